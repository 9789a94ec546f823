import {alphaSummary} from '../../../src/merge/analysis/alpha-summary'

describe('alphaSummary', () => {
  it('mean, population std, min and max', () => {
    const xs = [0.2, 0.5, 0.5, 0.9]
    const mean = (0.2 + 0.5 + 0.5 + 0.9) / 4
    const std = Math.sqrt(((0.2 - mean) ** 2 + 2 * (0.5 - mean) ** 2 + (0.9 - mean) ** 2) / 4)
    for (const input of [xs, new Map(xs.map((x, i) => [`t${i}`, x]))]) {
      const s = alphaSummary(input)
      expect(s.mean).toBeCloseTo(mean, 15)
      expect(s.std).toBeCloseTo(std, 15)
      expect(s.min).toBe(0.2)
      expect(s.max).toBe(0.9)
    }
  })

  it('accepts any iterable of numbers', () => {
    const s = alphaSummary(new Set([0.1, 0.3]))
    expect([s.min, s.max]).toEqual([0.1, 0.3])
    expect(s.mean).toBeCloseTo(0.2, 15)
    expect(s.std).toBeCloseTo(0.1, 15)
  })

  it('is all zeros for no α (strict JSON)', () => {
    expect(alphaSummary(new Map())).toEqual({mean: 0, std: 0, min: 0, max: 0})
    expect(alphaSummary([])).toEqual({mean: 0, std: 0, min: 0, max: 0})
  })
})
