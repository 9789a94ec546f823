import {createRandom} from '../../src/compute/random'
import {RankSelector} from '../../src/compute/rank-select'
import {createKernels} from '../../src/compute/wasm/kernels'

const small = createKernels(97)
const large = createKernels(1 << 16)

/** Streams `values` in chunks through the kernels' magnitudes until the selector is done; returns the passes it took. */
function select(values: Float64Array, ranks: number[], collectLimit: number, kernels = small): {results: Array<{value: number; greater: number}>; passes: number} {
  const CHUNK = kernels === small ? 97 : 1 << 16
  const selector = new RankSelector(kernels, values.length, ranks, collectLimit)
  let passes = 0
  while (!selector.done) {
    for (let start = 0; start < values.length; start += CHUNK) {
      const part = values.subarray(start, start + CHUNK)
      kernels.magnitudes.set(part)
      selector.visit(part.length)
    }
    selector.endPass()
    passes++
  }
  return {results: selector.results, passes}
}

describe('RankSelector', () => {
  // Magnitudes with many exact ties, values that share their high bits, zeros and subnormals.
  const random = createRandom(3, 'rank-select')
  const values = Float64Array.from({length: 5000}, (_, i) => {
    if (i % 7 === 0) return 0.5
    if (i % 11 === 0) return 0
    if (i % 13 === 0) return 5e-324 * (i % 5)
    return 1 + random.next() * 2 ** -40 * (i % 3 === 0 ? 1 : 2 ** 30)
  })
  const descending = [...values].sort((a, b) => b - a)
  const expected = (rank: number) => ({value: descending[rank], greater: descending.filter((v) => v > descending[rank]).length})

  it.each([0, 1, 17, 713, 2500, 4000, 4990, 4999])('finds the value at descending rank %i and how many are larger', (rank) => {
    for (const limit of [1, 8, 300, 10_000]) {
      expect(select(values, [rank], limit).results).toEqual([expected(rank)])
    }
  })

  it('finds two ranks from one shared first pass', () => {
    for (const limit of [1, 300, 10_000]) {
      expect(select(values, [17, 4000], limit).results).toEqual([expected(17), expected(4000)])
    }
  })

  it('collects at once when everything fits; one pass settles values with few significant bits', () => {
    expect(select(values, [10], 10_000).passes).toBe(1)
    // Differences of bf16 values: ≤ 10 significant bits, so the first 20-bit digit is the whole value.
    const short = Float64Array.from({length: 1000}, (_, i) => (1 + (i % 300) / 512) * 2 ** -(i % 9))
    const sortedShort = [...short].sort((a, b) => b - a)
    const got = select(short, [400], 1)
    expect(got.results[0].value).toBe(sortedShort[400])
    expect(got.passes).toBe(1)
  })

  // Over a million values: more than the first pass keeps for its guessed digits (KEPT_VALUES).
  const n = 1_200_000
  const check = (v: Float64Array, rank: number, passes: (p: number) => boolean) => {
    const descendingV = Float64Array.from(v).sort().reverse()
    const got = select(v, [rank], 1 << 16, large)
    expect(got.results).toEqual([{value: descendingV[rank], greater: descendingV.findIndex((x) => x === descendingV[rank])}])
    expect(passes(got.passes)).toBe(true)
  }

  it('settles a rank from the values the first pass kept around its guess, when they fit', () => {
    // Many distinct values per digit (20 random low bits), spread over a few octaves.
    const spread = Float64Array.from({length: n}, () => (1 + random.next()) * 2 ** -Math.floor(random.next() * 3))
    check(spread, 700_000, (p) => p === 1)
  })

  it('narrows digit by digit when the guess misses or the kept values overflow', () => {
    // The first chunk is unlike the rest: the guess lands on the wrong digits.
    const misled = Float64Array.from({length: n}, (_, i) => (i < 1 << 16 ? 8 : 1) + random.next() * 2 ** -30)
    check(misled, 900_000, (p) => p > 1)
    // Values equal in everything but their last bits overflow the kept values and need every digit.
    const close = Float64Array.from({length: n}, (_, i) => 1 + (i % 50) * 2 ** -52)
    check(close, 5, (p) => p === 4)
  })
})
