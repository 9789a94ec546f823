import {DEVICE_REQUESTS, type DeviceRequest} from '../../compute/device/device'
import type {GroupingCompat} from '../../merge/analysis/layer-groups'
import {resolveAlphaOptions} from '../../merge/analysis/options'
import type {AlphaOptions, MergeStrategy} from '../../merge/analysis/types'
import type {AnalysisOptions} from '../types'
import {OPTION_DEFAULTS} from './defaults'
import {choiceOption, componentAlphaOption, integerOption, numberOption} from './values'

/** The settings of the CMAAM analysis that `merge` and `analyze` share, checked (the device is resolved later, by `deviceOption`). */
export interface AnalysisSettings {
  alpha: Partial<AlphaOptions>
  modelType: string
  compat: GroupingCompat
  seed: number
  allowNonfinite: boolean
  allowFamilyMismatch: boolean
  threads: number
  device: DeviceRequest
}

export function analysisSettings(options: Omit<AnalysisOptions, 'source' | 'target'>): AnalysisSettings {
  const d = OPTION_DEFAULTS
  const alpha = {
    strategy: (options.strategy ?? d.strategy) as MergeStrategy,
    baseAlpha: numberOption(options.baseAlpha ?? d.baseAlpha, '--base-alpha'),
    minAlpha: numberOption(options.minAlpha ?? d.minAlpha, '--min-alpha'),
    maxAlpha: numberOption(options.maxAlpha ?? d.maxAlpha, '--max-alpha'),
    componentBaseAlpha: options.componentAlpha ? componentAlphaOption(options.componentAlpha) : {},
  }
  // Bad values fail now, not after downloading or reading the models.
  resolveAlphaOptions(alpha)
  return {
    alpha,
    modelType: options.modelType ?? d.modelType,
    compat: choiceOption(options.compat ?? d.compat, '--compat', ['default', 'reference'] as const),
    seed: integerOption(options.seed ?? d.seed, '--seed', 0),
    allowNonfinite: options.allowNonfinite ?? false,
    allowFamilyMismatch: options.allowFamilyMismatch ?? false,
    threads: integerOption(options.threads ?? d.threads, '--threads', 1),
    device: choiceOption(options.device ?? (process.env.CMAAM_DEVICE || d.device), '--device', DEVICE_REQUESTS),
  }
}
