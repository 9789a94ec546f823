import type {AlphaSummary} from './types'

/**
 * mean, population std, min and max of the per-tensor α (the reference's `computed_alphas` /
 * `statistics`). With no α at all (nothing to merge) every field is 0, so the report stays strict
 * JSON (the reference would fail on min() of an empty list).
 */
export function alphaSummary(alphas: ReadonlyMap<string, number> | Iterable<number>): AlphaSummary {
  // a Map's values() yields the α; so do an array's and a Set's
  const values: number[] =
    'values' in alphas && typeof alphas.values === 'function' ? [...(alphas as {values(): Iterable<number>}).values()] : [...(alphas as Iterable<number>)]
  if (values.length === 0) return {mean: 0, std: 0, min: 0, max: 0}
  let sum = 0
  let min = Infinity
  let max = -Infinity
  for (const v of values) {
    sum += v
    if (v < min) min = v
    if (v > max) max = v
  }
  const mean = sum / values.length
  let sq = 0
  for (const v of values) sq += (v - mean) * (v - mean)
  return {mean, std: Math.sqrt(sq / values.length), min, max}
}
