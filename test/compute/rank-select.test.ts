import {createRandom} from '../../src/compute/random'
import {RankSelector} from '../../src/compute/rank-select'
import {createKernels} from '../../src/compute/wasm/kernels'

const CHUNK = 97
const kernels = createKernels(CHUNK)

/** Streams `values` in chunks through the kernels' magnitudes until the selector is done; returns the passes it took. */
function select(values: Float64Array, ranks: number[], collectLimit: number): {results: Array<{value: number; greater: number}>; passes: number} {
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

  it('collects at once when everything fits; one pass settles values with few significant bits; 4 digits at most', () => {
    expect(select(values, [10], 10_000).passes).toBe(1)
    // Differences of bf16 values: ≤ 10 significant bits, so the first 20-bit digit is the whole value.
    const short = Float64Array.from({length: 1000}, (_, i) => (1 + (i % 300) / 512) * 2 ** -(i % 9))
    const sortedShort = [...short].sort((a, b) => b - a)
    const got = select(short, [400], 1)
    expect(got.results[0].value).toBe(sortedShort[400])
    expect(got.passes).toBe(1)
    // Values equal in everything but their last bits need every digit: 4 histogram passes.
    const close = Float64Array.from({length: 1000}, (_, i) => 1 + (i % 50) * 2 ** -52)
    const last = select(close, [5], 1)
    expect(last.results).toEqual([{value: 1 + 49 * 2 ** -52, greater: 0}])
    expect(last.passes).toBe(4)
  })
})
