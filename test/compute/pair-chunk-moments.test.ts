import {pairChunkMoments} from '../../src/compute/pair-chunk-moments'
import {createRandom} from '../../src/compute/random'

/** Two-pass moments in float64, written out plainly. */
function twoPass(xs: ArrayLike<number>) {
  const n = xs.length
  let sum = 0
  let sumAbs = 0
  for (let i = 0; i < n; i++) {
    sum += xs[i]
    sumAbs += Math.abs(xs[i])
  }
  const mean = sum / n
  let m2 = 0
  for (let i = 0; i < n; i++) m2 += (xs[i] - mean) ** 2
  return {n, mean, m2, sumAbs}
}

describe('pairChunkMoments', () => {
  const random = createRandom(5, 'moments')

  it.each([
    ['centred weights', 0, 0.02],
    ['a LayerNorm weight, mean ≫ std', 1, 1e-3],
    ['a large offset', 1e4, 1],
  ])('matches two-pass moments for %s', (_, offset, scale) => {
    const n = 10_000
    const s = Float32Array.from({length: n}, () => offset + scale * (random.next() - 0.5))
    const t = Float32Array.from({length: n}, () => offset + scale * (random.next() - 0.5))
    s[0] = offset + 40 * scale // an outlier as the shift is the worst case
    const got = pairChunkMoments(s, t, n, true)
    for (const [side, values] of [['source', s], ['target', t]] as const) {
      const want = twoPass(values)
      expect(got[side].n).toBe(n)
      expect(got[side].mean).toBeCloseTo(want.mean, 12)
      expect(Math.abs(got[side].m2 - want.m2) / want.m2).toBeLessThan(1e-9)
      expect(got[side].sumAbs).toBeCloseTo(want.sumAbs, 6)
    }
    let dot = 0
    for (let i = 0; i < n; i++) dot += s[i] * t[i]
    expect(got.dot).toBeCloseTo(dot, 6)
  })

  it('gives zero variance for a constant chunk and handles empty chunks', () => {
    const c = new Float64Array(100).fill(0.25)
    expect(pairChunkMoments(c, c, 100, false).source).toEqual({n: 100, mean: 0.25, m2: 0, sumAbs: 25})
    expect(pairChunkMoments(c, c, 0, false).target).toEqual({n: 0, mean: 0, m2: 0, sumAbs: 0})
  })
})
