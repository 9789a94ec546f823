import {createRandom} from './random'
import {sortUint32} from './radix-sort'

/**
 * `count` distinct indices drawn uniformly from [0, n), ascending (Floyd's algorithm: exactly `count`
 * draws, no rejection loop), seeded by `seed` and `key` so each tensor gets its own reproducible sample.
 */
export function sampleIndices(n: number, count: number, seed: number, key: string): Float64Array {
  if (count >= n) return Float64Array.from({length: n}, (_, i) => i)
  if (n > 0x100000000) throw new RangeError(`tensor of ${n} elements: more than 2^32 is not supported`)
  const random = createRandom(seed, key)
  // An open-addressing set of doubles (-1 = empty): several times faster than a Set here.
  const capacity = 2 ** Math.ceil(Math.log2(count * 2))
  const mask = capacity - 1
  const table = new Float64Array(capacity).fill(-1)
  const insert = (x: number): boolean => {
    let h = Math.imul((x >>> 0) ^ Math.floor(x / 0x100000000), 0x9e3779b1) & mask
    for (;;) {
      const slot = table[h]
      if (slot === -1) {
        table[h] = x
        return true
      }
      if (slot === x) return false
      h = (h + 1) & mask
    }
  }
  for (let j = n - count; j < n; j++) {
    if (!insert(random.below(j + 1))) insert(j)
  }
  const chosen = new Uint32Array(count)
  let k = 0
  for (let i = 0; i < capacity; i++) if (table[i] !== -1) chosen[k++] = table[i]
  return Float64Array.from(sortUint32(chosen))
}
