import {bracketRanks} from '../../src/compute/bracket-ranks'
import {createJobContext} from '../../src/compute/job-context'
import type {TensorLocation} from '../../src/compute/jobs'
import {createRandom} from '../../src/compute/random'

/**
 * bracketRanks against a plain sort of the float64 magnitudes |s − t| (NaN above every number): the
 * value at each descending rank and how many values are strictly larger.
 */

const random = createRandom(5, 'bracket-ranks')
const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

function bf16(x: number): number {
  f32[0] = x
  return u32[0] >>> 16
}

function value(bits: number): number {
  u32[0] = bits << 16
  return f32[0]
}

/** A bf16 tensor held in memory, as the pool hands a computed tensor to a job. */
function location(bits: Uint16Array): TensorLocation {
  return {path: '(memory)', offset: 0, dtype: 'BF16', memory: new Uint8Array(bits.buffer)}
}

/**
 * The expected answer, from a full sort (a typed array's sort puts NaN last: first once reversed), and
 * each chunk's (2¹⁸ values) count of values equal to it, from a scan in order.
 */
function expected(target: Uint16Array, source: Uint16Array, ranks: number[]): Array<{value: number; greater: number; ties: Float64Array}> {
  const magnitudes = new Float64Array(target.length)
  for (let i = 0; i < target.length; i++) magnitudes[i] = Math.abs(value(source[i]) - value(target[i]))
  const sorted = magnitudes.slice().sort().reverse()
  return ranks.map((rank) => {
    const v = sorted[rank]
    const ties = new Float64Array(Math.ceil(target.length / 2 ** 18))
    magnitudes.forEach((m, i) => {
      if (m === v) ties[Math.floor(i / 2 ** 18)]++
    })
    // Sorted descending: the values before the first one equal to v are the larger ones.
    return {value: v, greater: Number.isNaN(v) ? 0 : sorted.indexOf(v), ties}
  })
}

/** Values of a tensor sampled from blocks (more than 32 blocks of 64 values per sampled value). */
const LARGE = 16 * 2 ** 18 + 3

/**
 * Which places the sample covers in a tensor of LARGE values (2²² + 3): 2¹⁵ of them (the power of two
 * nearest count^⅔), every 64th of 32 blocks of 2¹⁶ values, block b from b·(count − 2¹⁶)/31.
 */
function sampledPlaces(count: number): Uint8Array {
  const places = new Uint8Array(count)
  for (let b = 0; b < 32; b++) {
    const start = Math.floor((b * (count - 2 ** 16)) / 31)
    for (let i = 0; i < 1024; i++) places[start + 64 * i] = 1
  }
  return places
}

/** A target of weight-like values and a fine-tune moving most by a few bf16 steps (|Δ| ties abound). */
function pair(count: number, moved = 0.8): {target: Uint16Array; source: Uint16Array} {
  const target = new Uint16Array(count)
  const source = new Uint16Array(count)
  for (let i = 0; i < count; i++) {
    target[i] = bf16((random.next() - 0.5) * 0.1)
    const r = random.next()
    if (r < 1 - moved) source[i] = target[i]
    else if (r < 0.95) source[i] = (target[i] + random.below(9) - 4) & 0xffff
    else source[i] = bf16((random.next() - 0.5) * 0.3)
  }
  return {target, source}
}

/** pair(LARGE), made once (several seconds under jest), a fresh copy each call. */
const largePair = (() => {
  let made: {target: Uint16Array; source: Uint16Array} | undefined
  return () => {
    made ??= pair(LARGE)
    return {target: made.target.slice(), source: made.source.slice()}
  }
})()

describe('bracketRanks', () => {
  const context = createJobContext()
  const run = (target: Uint16Array, source: Uint16Array, ranks: number[]) => bracketRanks(context, target.length, location(target), location(source), ranks)

  it.each([
    ['the whole tensor is the sample', 5000],
    ['evenly spaced samples of a tensor that fits a chunk', 100_003],
    ['evenly spaced samples of a tensor of several chunks, read whole', 600_001],
    ['blocks sampled from a larger tensor', LARGE],
  ])('%s (%i values): every rank as a full sort gives it', (_, count) => {
    const {target, source} = count === LARGE ? largePair() : pair(count)
    const ranks = [0, 1, Math.floor(count * 0.01), Math.floor(count * 0.5), Math.floor(count * 0.9), count - 1]
    expect(run(target, source, ranks)).toEqual(expected(target, source, ranks))
  })

  it('ranks inside a long run of equal values, and zeros (unchanged values) at the bottom', () => {
    const {target, source} = pair(300_000, 0.4)
    const ranks = [Math.floor(300_000 * 0.5), Math.floor(300_000 * 0.7), 299_999]
    const result = run(target, source, ranks)
    expect(result).toEqual(expected(target, source, ranks))
    // 60 % of the values did not move: ranks below 40 % are all 0.
    expect(result!.map((r) => r.value)).toEqual([0, 0, 0])
  })

  it('an infinity and a NaN outside the sample are counted above every number', () => {
    const {target, source} = largePair()
    const places = sampledPlaces(LARGE)
    const [a, b] = [123_457, 234_569].map((i) => places.indexOf(0, i))
    source[a] = 0x7f80
    target[b] = 0x7fc0
    const ranks = [1, 2, 2_000_000]
    const result = run(target, source, ranks)
    expect(result).toEqual(expected(target, source, ranks))
    // The infinity below the NaN, then the largest number with those two above it.
    expect(result!.slice(0, 2).map((r) => r.greater)).toEqual([1, 2])
    expect(result![0].value).toBe(Number.POSITIVE_INFINITY)
    // A NaN's own rank is left to the radix selection, which orders NaNs by their bits.
    expect(run(target, source, [0])).toBeNull()
  })

  it('differences not exact in float32 (exponents far apart) are counted as float64 values, beside ones that are', () => {
    // Per 8 values (a step of the counting kernel): |Δ| = 1 exactly (2 − 1), 1 − 2⁻²⁶ (1 − 2⁻²⁶: float32
    // would round it to 1, a tie with the first kind), or a weight moved a few bf16 steps.
    const count = 100_003
    const {target, source} = pair(count)
    for (let i = 0; i < count; i++) {
      const kind = (i >> 3) % 3
      if (kind === 0) [source[i], target[i]] = [bf16(2), bf16(1)]
      if (kind === 1) [source[i], target[i]] = [bf16(1), bf16(2 ** -26)]
    }
    const ones = Math.ceil(count / 24) * 8
    const ranks = [ones - 1, ones, ones + 5, Math.floor(count * 0.7)]
    const result = run(target, source, ranks)
    expect(result).toEqual(expected(target, source, ranks))
    expect(result!.slice(0, 3).map((r) => r.value)).toEqual([1, 1 - 2 ** -26, 1 - 2 ** -26])
  })

  it('a sample holding a value that is not finite leaves the search to the radix selection (null)', () => {
    const {target, source} = pair(1000)
    source[10] = 0x7fc0
    expect(run(target, source, [500])).toBeNull()
  })

  it('a sample that misleads: the largest values hidden between the sampled places, found by widening the brackets', () => {
    // The sample sees only steps of one bf16 unit, and places the brackets far too low for these ranks.
    const count = LARGE
    const places = sampledPlaces(count)
    const target = new Uint16Array(count)
    const source = new Uint16Array(count)
    for (let i = 0; i < count; i++) {
      target[i] = bf16((random.next() - 0.5) * 0.1)
      source[i] = places[i] ? (target[i] + 1) & 0xffff : bf16((random.next() - 0.5) * 4)
    }
    const ranks = [10, 1_600_000]
    // The target's reads: one per sampled block (32), then one per chunk (17) of each pass.
    let reads = 0
    const memory = new Uint8Array(target.buffer)
    const read = memory.subarray.bind(memory)
    memory.subarray = (begin, end) => {
      reads++
      return read(begin, end)
    }
    const result = bracketRanks(context, count, {...location(target), memory}, location(source), ranks)
    expect(result).toEqual(expected(target, source, ranks))
    // More than one pass: the sample did miss the hidden values.
    expect(reads).toBeGreaterThan(32 + 17)
  })
})
