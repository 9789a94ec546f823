import type {Random} from '../compute/random'

/**
 * A uniform random `m`-subset of 0…n−1, in increasing order (selection sampling, Knuth's
 * Algorithm S): one pass, memory for the m chosen only.
 */
export function sampleSorted(n: number, m: number, random: Random): Uint32Array {
  const chosen = new Uint32Array(m)
  let count = 0
  for (let i = 0; i < n && count < m; i++) {
    if (random.below(n - i) < m - count) chosen[count++] = i
  }
  return chosen
}

/** A uniform random permutation of 0…n−1 (Fisher–Yates). */
export function permutation(n: number, random: Random): Uint32Array {
  const p = new Uint32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = random.below(i + 1)
    const t = p[i]
    p[i] = p[j]
    p[j] = t
  }
  return p
}
