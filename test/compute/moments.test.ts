import {
  combineMoments,
  emptyMoments,
  l2Norm,
  meanAbs,
  momentsOf,
  std,
  varianceUnbiased,
} from '../../src/compute/moments'
import {mulberry32} from '../helpers/mulberry32'

function naive(xs: number[]) {
  const n = xs.length
  let s = 0
  for (const x of xs) s += x
  const mean = s / n
  let m2 = 0
  let sumAbs = 0
  let sq = 0
  for (const x of xs) {
    m2 += (x - mean) ** 2
    sumAbs += Math.abs(x)
    sq += x * x
  }
  return {n, mean, m2, sumAbs, varU: n > 1 ? m2 / (n - 1) : 0, l2: Math.sqrt(sq)}
}

describe('moments', () => {
  const values = [0.95, -0.32, 1.77, 0.55, -2.5, 3.25, 0.0, 1e-3]

  it('momentsOf matches a direct two-pass computation', () => {
    const m = momentsOf(values)
    const e = naive(values)
    expect(m.n).toBe(8)
    expect(m.mean).toBeCloseTo(e.mean, 14)
    expect(m.m2).toBeCloseTo(e.m2, 12)
    expect(m.sumAbs).toBeCloseTo(e.sumAbs, 14)
    expect(varianceUnbiased(m)).toBeCloseTo(e.varU, 12)
    expect(std(m)).toBeCloseTo(Math.sqrt(e.varU), 12)
    expect(meanAbs(m)).toBeCloseTo(e.sumAbs / 8, 14)
    expect(l2Norm(m)).toBeCloseTo(e.l2, 12)
  })

  it('accepts typed arrays', () => {
    expect(momentsOf(Float32Array.from([1, 2, 3, 4]))).toEqual({n: 4, mean: 2.5, m2: 5, sumAbs: 10})
  })

  it('empty and one-element tensors give finite values (variance 0 when n ≤ 1)', () => {
    const e = momentsOf([])
    expect(e).toEqual(emptyMoments())
    expect([varianceUnbiased(e), std(e), meanAbs(e), l2Norm(e)]).toEqual([0, 0, 0, 0])
    const one = momentsOf([-3])
    expect(one).toEqual({n: 1, mean: -3, m2: 0, sumAbs: 3})
    expect(varianceUnbiased(one)).toBe(0)
    expect(std(one)).toBe(0)
    expect(meanAbs(one)).toBe(3)
    expect(l2Norm(one)).toBe(3)
  })

  it('stays accurate when the mean dwarfs the spread', () => {
    const xs = [1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4]
    expect(momentsOf(xs).m2).toBeCloseTo(5, 6)
  })

  it('combineMoments over random splits equals the two-pass result', () => {
    const rand = mulberry32(12345)
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 60)
      const shift = (rand() - 0.5) * 10
      const xs = Array.from({length: n}, () => shift + (rand() - 0.5) * 4)
      // cut into a random number of chunks (some empty) and fold them in order, or pairwise
      const cuts = Array.from({length: Math.floor(rand() * 6)}, () => Math.floor(rand() * (n + 1))).sort((a, b) => a - b)
      const bounds = [0, ...cuts, n]
      const chunks = bounds.slice(1).map((end, i) => momentsOf(xs.slice(bounds[i], end)))
      const folded = chunks.reduce(combineMoments, emptyMoments())
      const tree = (list: typeof chunks): ReturnType<typeof momentsOf> =>
        list.length === 1 ? list[0] : combineMoments(tree(list.slice(0, list.length >> 1)), tree(list.slice(list.length >> 1)))
      const e = naive(xs)
      for (const m of [folded, tree(chunks)]) {
        expect(m.n).toBe(n)
        expect(m.mean).toBeCloseTo(e.mean, 12)
        expect(m.m2).toBeCloseTo(e.m2, 11)
        expect(m.sumAbs).toBeCloseTo(e.sumAbs, 11)
        expect(varianceUnbiased(m)).toBeCloseTo(e.varU, 12)
      }
    }
  })

  it('combineMoments with an empty side returns the other unchanged (and does not alias it)', () => {
    const a = momentsOf([1, 2, 3])
    const c = combineMoments(emptyMoments(), a)
    expect(c).toEqual(a)
    expect(c).not.toBe(a)
    expect(combineMoments(a, emptyMoments())).toEqual(a)
    expect(combineMoments(emptyMoments(), emptyMoments())).toEqual(emptyMoments())
  })
})
