import {sampleIndices} from '../../src/compute/sample-indices'

describe('sampleIndices', () => {
  it('draws distinct, ascending indices in range', () => {
    const s = sampleIndices(1_000_000, 50_000, 0, 'model.layers.0.mlp.up_proj.weight')
    expect(s.length).toBe(50_000)
    let ascending = true
    for (let i = 1; i < s.length; i++) ascending &&= s[i] > s[i - 1]
    expect(ascending).toBe(true)
    expect(s[0]).toBeGreaterThanOrEqual(0)
    expect(s[s.length - 1]).toBeLessThan(1_000_000)
    expect(s.every(Number.isInteger)).toBe(true)
  })

  it('takes every index when the sample is as large as the tensor', () => {
    expect([...sampleIndices(5, 5, 0, 'x')]).toEqual([0, 1, 2, 3, 4])
    expect([...sampleIndices(3, 50, 0, 'x')]).toEqual([0, 1, 2])
  })

  it('is reproducible from (seed, key) and differs across seeds and keys', () => {
    const a = sampleIndices(200_000, 1000, 3, 'a')
    expect(sampleIndices(200_000, 1000, 3, 'a')).toEqual(a)
    expect(sampleIndices(200_000, 1000, 4, 'a')).not.toEqual(a)
    expect(sampleIndices(200_000, 1000, 3, 'b')).not.toEqual(a)
  })

  it('spreads uniformly over the tensor (chi-square over 20 bins)', () => {
    const n = 2_000_000
    const s = sampleIndices(n, 50_000, 0, 'uniform')
    const bins = new Array(20).fill(0)
    for (const i of s) bins[Math.floor((i / n) * 20)]++
    const expected = 50_000 / 20
    const chi2 = bins.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0)
    // 19 degrees of freedom: the 99.9th percentile is 43.8.
    expect(chi2).toBeLessThan(43.8)
  })
})
