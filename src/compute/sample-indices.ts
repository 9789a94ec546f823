import {createRandom} from './random'

/**
 * `count` distinct indices drawn uniformly from [0, n), ascending (Floyd's algorithm: exactly `count`
 * draws, no rejection loop), seeded by `seed` and `key` so each tensor gets its own reproducible sample.
 */
export function sampleIndices(n: number, count: number, seed: number, key: string): Float64Array {
  if (count >= n) return Float64Array.from({length: n}, (_, i) => i)
  const random = createRandom(seed, key)
  const chosen = new Set<number>()
  for (let j = n - count; j < n; j++) {
    const t = random.below(j + 1)
    chosen.add(chosen.has(t) ? j : t)
  }
  return Float64Array.from(chosen).sort()
}
