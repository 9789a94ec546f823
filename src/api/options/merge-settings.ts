import type {DeviceRequest} from '../../compute/device/device'
import {parseSize} from '../../io/safetensors/parse-size'
import {resolveMethods} from '../../merge/methods/resolve-methods'
import type {OutputDtype} from '../../merge/plan-merge'
import type {MergeSettings} from '../../merge/run-merge'
import type {RunContext} from '../context'
import type {MergeOptions} from '../types'
import {analysisSettings} from './analysis-settings'
import {OPTION_DEFAULTS} from './defaults'
import {methodSettings} from './method-settings'
import {choiceOption, integerOption} from './values'
import {onnxDtypesOption} from './onnx-dtypes'

const DTYPES: Record<string, OutputDtype> = {keep: 'keep', bf16: 'BF16', f16: 'F16', f32: 'F32'}
/** `dtype` values: `keep` (each tensor keeps its own) or the dtype of every merged float tensor. */
export const MERGE_DTYPES = Object.keys(DTYPES)

/** Every setting of a merge but its models, output, labels and adapter: checked before any model is read; the device as asked for, not yet resolved. */
export type MergeOptionSettings = Omit<MergeSettings, 'sources' | 'target' | 'output' | 'labels' | 'reproduce' | 'config' | 'adapter' | 'device'> & {device: DeviceRequest}

/** Checks every option a merge takes besides its models (bad values fail before anything is downloaded or read). */
export function mergeSettings(options: Omit<MergeOptions, 'source' | 'target' | 'output'>, context: RunContext, sourceCount: number): MergeOptionSettings {
  const settings = {
    ...methodSettings(options),
    ...analysisSettings(options),
    dtype: outputDtypeOption(options.dtype ?? OPTION_DEFAULTS.dtype),
    maxShardBytes: shardSizeOption(options.shardSize ?? OPTION_DEFAULTS.shardSize),
    force: options.force ?? false,
    analyze: options.analyze ?? false,
    saveAlphas: options.saveAlphas ?? false,
    progress: context.progress,
    notice: context.notice,
    warn: context.warn,
    ...(options.onnxTemplate ? {onnx: {ref: options.onnxTemplate, dtypes: onnxDtypesOption(options.onnxDtype ?? OPTION_DEFAULTS.onnxDtype, '--onnx-dtype')}} : {}),
  }
  resolveMethods(settings, sourceCount)
  return settings
}

/** `dtype`: `keep`, `bf16`, `f16` or `f32`, as the writer names it. */
export function outputDtypeOption(value: string): OutputDtype {
  return DTYPES[choiceOption(value, '--dtype', MERGE_DTYPES)]
}

/** `shardSize`: bytes, or text such as `5GB` or `2GiB`. */
export function shardSizeOption(value: number | string): number {
  return typeof value === 'number' ? integerOption(value, '--shard-size', 1) : parseSize(value)
}
