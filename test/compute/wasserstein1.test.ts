import {wasserstein1Sorted} from '../../src/compute/wasserstein1'

const sorted = (xs: number[]) => Float64Array.from([...xs].sort((a, b) => a - b))

/**
 * Independent W1 for unequal sizes: repeat every value of a L/na times and of b L/nb times
 * (L = lcm), so both samples have L atoms of equal mass; then W1 = mean |a'_i − b'_i|.
 */
function expandedW1(a: number[], b: number[]): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y))
  const L = (a.length * b.length) / gcd(a.length, b.length)
  const ex = (xs: number[]) => [...xs].sort((p, q) => p - q).flatMap((x) => Array(L / xs.length).fill(x) as number[])
  const ea = ex(a)
  const eb = ex(b)
  let s = 0
  for (let i = 0; i < L; i++) s += Math.abs(ea[i] - eb[i])
  return s / L
}

describe('wasserstein1Sorted', () => {
  it('equal lengths: mean |a_i − b_i| of the sorted samples', () => {
    const a = [0.3, -1.2, 2.5, 0.0]
    const b = [1.0, 0.1, -0.4, 0.7]
    // sorted: [-1.2, 0, 0.3, 2.5] vs [-0.4, 0.1, 0.7, 1.0]
    const e = (0.8 + 0.1 + 0.4 + 1.5) / 4
    expect(wasserstein1Sorted(sorted(a), sorted(b))).toBeCloseTo(e, 14)
  })

  it('matches scipy.stats.wasserstein_distance documented values', () => {
    // scipy docs: wasserstein_distance([0, 1, 3], [5, 6, 8]) == 5.0; ([0, 1], [0, 1]) == 0
    expect(wasserstein1Sorted(sorted([0, 1, 3]), sorted([5, 6, 8]))).toBeCloseTo(5, 14)
    expect(wasserstein1Sorted(sorted([0, 1]), sorted([0, 1]))).toBe(0)
    // ∫|F_a − F_b|: [0,1]·|1/2 − 1/3| + [1,2]·|1 − 2/3| = 1/6 + 1/3
    expect(wasserstein1Sorted(sorted([0, 1]), sorted([0, 1, 2]))).toBeCloseTo(0.5, 14)
  })

  it('unequal lengths: exact 1-D distance, with ties and both argument orders', () => {
    const cases: Array<[number[], number[]]> = [
      [[3.4, 3.9, 7.5, 7.8], [4.5, 1.4]],
      [[0.1, 0.1, 0.5, 2], [0.1, 3, -1]],
      [[-2, -1, 0, 1, 2, 3, 4], [0.5, 0.5, 0.5, 10, -7]],
      [[1], [1, 2, 3, 4, 5, 6]],
    ]
    for (const [a, b] of cases) {
      const e = expandedW1(a, b)
      expect(wasserstein1Sorted(sorted(a), sorted(b))).toBeCloseTo(e, 12)
      expect(wasserstein1Sorted(sorted(b), sorted(a))).toBeCloseTo(e, 12)
    }
  })

  it('empty samples: both empty is 0, one empty throws; NaN gives NaN (no endless loop)', () => {
    expect(wasserstein1Sorted(new Float64Array(0), new Float64Array(0))).toBe(0)
    expect(() => wasserstein1Sorted(new Float64Array(0), sorted([1]))).toThrow(RangeError)
    expect(wasserstein1Sorted(Float64Array.from([0, NaN]), Float64Array.from([1, 2, 3]))).toBeNaN()
  })
})
