import {CmaamError} from '../../errors'
import {COMPONENTS, type Component} from '../../models/types'
import type {ParamValue} from '../methods/types'
import {DEFAULT_ALPHA_OPTIONS, MERGE_STRATEGIES, type AlphaOptions, type MergeStrategy} from './types'

function unitInterval(value: unknown, flag: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new CmaamError(`${flag} must be a number in [0, 1], got ${String(value)}`)
  }
  return value
}

/**
 * Fills in the defaults (α₀ 0.5, strategy full, α in [0.05, 0.95], no overrides) and checks the
 * values: α₀, the bounds and every override in [0, 1], minAlpha ≤ maxAlpha, a known strategy and
 * component names. Throws a CmaamError naming the flag at fault.
 */
export function resolveAlphaOptions(options: Partial<AlphaOptions> = {}): AlphaOptions {
  const baseAlpha = unitInterval(options.baseAlpha ?? DEFAULT_ALPHA_OPTIONS.baseAlpha, '--base-alpha')
  const minAlpha = unitInterval(options.minAlpha ?? DEFAULT_ALPHA_OPTIONS.minAlpha, '--min-alpha')
  const maxAlpha = unitInterval(options.maxAlpha ?? DEFAULT_ALPHA_OPTIONS.maxAlpha, '--max-alpha')
  if (minAlpha > maxAlpha) {
    throw new CmaamError(`--min-alpha (${minAlpha}) is larger than --max-alpha (${maxAlpha})`)
  }
  const strategy = options.strategy ?? DEFAULT_ALPHA_OPTIONS.strategy
  if (!MERGE_STRATEGIES.includes(strategy as MergeStrategy)) {
    throw new CmaamError(`unknown --strategy '${String(strategy)}'`, {hint: `use one of ${MERGE_STRATEGIES.join(', ')}`})
  }
  const componentBaseAlpha: Partial<Record<Component, ParamValue>> = {}
  for (const [key, value] of Object.entries(options.componentBaseAlpha ?? {})) {
    if (!COMPONENTS.includes(key as Component)) {
      throw new CmaamError(`unknown component '${key}' in the per-component base alphas`, {
        hint: `use one of ${COMPONENTS.join(', ')}`,
      })
    }
    if (value === undefined) continue
    const where = `the base alpha of component '${key}'`
    if (typeof value !== 'number' && (!Array.isArray(value) || value.length === 0)) throw new CmaamError(`${where} must be a number or a gradient [v0, …, vk], got ${String(value)}`)
    componentBaseAlpha[key as Component] = typeof value === 'number' ? unitInterval(value, where) : value.map((v) => unitInterval(v, where))
  }
  return {baseAlpha, strategy, minAlpha, maxAlpha, componentBaseAlpha}
}
