import {createRandom} from '../../src/compute/random'
import {RankSelector} from '../../src/compute/rank-select'

/** Streams `values` in chunks of `chunk` until the selector is done; returns the passes it took. */
function select(values: Float64Array, rank: number, collectLimit: number, chunk = 97): {value: number; greater: number; passes: number} {
  const selector = new RankSelector(values.length, rank, collectLimit)
  let passes = 0
  while (!selector.done) {
    for (let start = 0; start < values.length; start += chunk) {
      const part = values.slice(start, start + chunk)
      selector.visit(part, part.length)
    }
    selector.endPass()
    passes++
  }
  return {...selector.result, passes}
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

  it.each([0, 1, 17, 713, 2500, 4000, 4990, 4999])('finds the value at descending rank %i and how many are larger', (rank) => {
    const expectedValue = descending[rank]
    const expectedGreater = descending.filter((v) => v > expectedValue).length
    for (const limit of [1, 8, 300, 10_000]) {
      const got = select(values, rank, limit)
      expect(got.value).toBe(expectedValue)
      expect(got.greater).toBe(expectedGreater)
    }
  })

  it('collects at once when everything fits, and narrows 16 bits a pass otherwise', () => {
    expect(select(values, 10, 10_000).passes).toBe(1)
    // Values equal in their top 48 bits need the last digit: 4 histogram passes.
    const close = Float64Array.from({length: 1000}, (_, i) => 1 + (i % 50) * 2 ** -52)
    const got = select(close, 5, 1)
    expect(got.value).toBe(1 + 49 * 2 ** -52)
    expect(got.greater).toBe(0)
    expect(got.passes).toBe(4)
  })
})
