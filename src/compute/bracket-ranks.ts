import {bf16Value} from './float-codecs'
import {readChunk, type JobContext} from './job-context'
import {CHUNK_ELEMENTS, type TensorLocation} from './jobs'
import type {RankValue} from './rank-select'

/** Values of |Δ| read to place the brackets: a sample's quantiles land within a few 1/√size of the true ones. */
const SAMPLE_SIZE = 1 << 14
/** Contiguous values per sampled read of a larger tensor (a read call each: about 3 µs, a seek on a cold disk). */
const SAMPLE_RUN = 64
/**
 * Most values of a tensor sampled from one read of it, in order: 16 chunks, 16 MiB a pair, cheaper on
 * a cold disk than the 512 seeks of the runs (which a cloud disk's I/O-operation budget can make
 * several milliseconds each), and about as cheap from the page cache.
 */
const SEQUENTIAL_SAMPLE_VALUES = 16 * CHUNK_ELEMENTS
/** Half a bracket's width, in standard deviations of the sampled quantile's position. */
const MARGIN_SIGMAS = 5
/** Ranks in the top share of a tensor whose bracket is settled from the values at least its lo (at most a few per cent more). */
const TOP_SHARE = 1 / 32
/** Passes before giving up (each missed one widens the bracket 8×), and most values held between a bracket's ends. */
const MAX_PASSES = 3
const MAX_CANDIDATES = 1 << 22

interface Bracket {
  rank: number
  lo: number
  hi: number
  /** Values above hi (NaN among them), equal to hi, equal to lo. */
  counts: Float64Array
  between: Float64Array[]
  held: number
  result: RankValue | null
}

/**
 * The values at descending ranks (0 = the largest) of |s − t| for a bf16 pair, and how many values are
 * strictly larger, from a sample and usually one pass: the sample's quantiles give, for each rank, a
 * bracket [lo, hi] that should hold it; the pass counts the values above hi and equal to either end
 * and keeps those strictly between, which settle the rank when it fell inside. NaN orders above every
 * number, as in `RankSelector`. Null when the sample holds a value that is not finite, or the brackets
 * still miss after MAX_PASSES passes or hold more than MAX_CANDIDATES values: the caller then runs the
 * radix selection, which always settles.
 */
export function bracketRanks(context: JobContext, count: number, target: TensorLocation, source: TensorLocation, ranks: number[]): RankValue[] | null {
  const sample = sampleMagnitudes(context, count, target, source)
  if (!sample.every(Number.isFinite)) return null
  if (sample.length === count) {
    // The sample (a copy) is the tensor: each rank straight from it.
    return ranks.map((rank) => rankOf(sample, rank, 0))
  }
  let sigmas = MARGIN_SIGMAS
  let open = ranks.map((rank) => placeBracket(sample, count, rank, sigmas))
  const settled = new Map<number, RankValue>()
  for (let pass = 0; pass < MAX_PASSES && open.length > 0; pass++) {
    if (!countPass(context, count, target, source, open)) return null
    for (const bracket of open) {
      bracket.result = settle(bracket)
      if (bracket.result) settled.set(bracket.rank, bracket.result)
    }
    sigmas *= 8
    open = open.filter((b) => b.result === null).map((b) => placeBracket(sample, count, b.rank, sigmas))
  }
  return open.length > 0 ? null : ranks.map((rank) => settled.get(rank)!)
}

/**
 * |s − t| at SAMPLE_SIZE places spread over the tensor: every place of a tensor no larger than that,
 * evenly spaced ones of a tensor of up to SEQUENTIAL_SAMPLE_VALUES (read whole, in order), runs of
 * SAMPLE_RUN values of a larger one.
 */
function sampleMagnitudes(context: JobContext, count: number, target: TensorLocation, source: TensorLocation): Float64Array {
  const kernels = context.scratch.kernels
  if (count <= SEQUENTIAL_SAMPLE_VALUES) {
    const sample = new Float64Array(Math.min(count, SAMPLE_SIZE))
    let next = 0
    const t = new Uint16Array(kernels.a.buffer, kernels.a.byteOffset, CHUNK_ELEMENTS)
    const s = new Uint16Array(kernels.lanes[0].buffer, kernels.lanes[0].byteOffset, CHUNK_ELEMENTS)
    for (let start = 0; start < count; start += CHUNK_ELEMENTS) {
      const n = Math.min(CHUNK_ELEMENTS, count - start)
      readChunk(context.files, target, start, n, kernels.a)
      readChunk(context.files, source, start, n, kernels.lanes[0])
      // Place i of the sample is value ⌊i·count/size⌋: only those are computed (in float64, as the kernels do).
      for (let at = Math.floor((next * count) / sample.length); next < sample.length && at < start + n; at = Math.floor((++next * count) / sample.length)) {
        sample[next] = Math.abs(bf16Value(s[at - start]) - bf16Value(t[at - start]))
      }
    }
    return sample
  }
  const runs = SAMPLE_SIZE / SAMPLE_RUN
  for (let r = 0; r < runs; r++) {
    const start = Math.floor((r * (count - SAMPLE_RUN)) / (runs - 1))
    readChunk(context.files, target, start, SAMPLE_RUN, kernels.a.subarray(2 * r * SAMPLE_RUN))
    readChunk(context.files, source, start, SAMPLE_RUN, kernels.lanes[0].subarray(2 * r * SAMPLE_RUN))
  }
  kernels.absDeltaBf16(0, SAMPLE_SIZE, 0)
  return kernels.magnitudes.slice(0, SAMPLE_SIZE)
}

/** Where the sample puts `rank`, widened by `sigmas` standard deviations of a sampled quantile either way. */
function placeBracket(sample: Float64Array, count: number, rank: number, sigmas: number): Bracket {
  const size = sample.length
  const p = (rank + 0.5) / count
  const margin = sigmas * Math.sqrt(size * p * (1 - p)) + 1
  const above = Math.floor(p * size - margin)
  const below = Math.ceil(p * size + margin)
  const values = Float64Array.from(sample)
  return {
    rank,
    // Widened to float32 numbers, which the counting kernel compares in float32.
    hi: above < 0 ? Number.POSITIVE_INFINITY : float32AtLeast(kthLargest(values, above)),
    lo: below >= size ? 0 : float32AtMost(kthLargest(values, below)),
    counts: new Float64Array(3),
    between: [],
    held: 0,
    result: null,
  }
}

const single = new Float32Array(1)
const singleBits = new Int32Array(single.buffer)

/** The least float32 number at least x (x ≥ 0). */
function float32AtLeast(x: number): number {
  single[0] = x
  if (single[0] < x) singleBits[0]++
  return single[0]
}

/** The greatest float32 number at most x (x ≥ 0). */
function float32AtMost(x: number): number {
  single[0] = x
  if (single[0] > x) singleBits[0]--
  return single[0]
}

/** One read of the tensor counting for every open bracket; false when one holds too many values. */
function countPass(context: JobContext, count: number, target: TensorLocation, source: TensorLocation, brackets: Bracket[]): boolean {
  const kernels = context.scratch.kernels
  for (const bracket of brackets) {
    bracket.counts.fill(0)
    bracket.between = []
    bracket.held = 0
  }
  for (let start = 0; start < count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, count - start)
    readChunk(context.files, target, start, n, kernels.a)
    readChunk(context.files, source, start, n, kernels.lanes[0])
    // Two brackets a call (the kernels have room for the values between of two), which share each
    // reading of the chunk (Breadcrumbs' two cuts); the first in the same kernel pass as the second
    // when it is near the top, from the few values at least its lo.
    for (let k = 0; k < brackets.length; k += 2) {
      const pair = brackets.slice(k, k + 2)
      const found = kernels.bracketBf16(n, pair, pair.length === 2 && pair[0].rank <= TOP_SHARE * count && pair[0].lo > 0)
      for (let j = 0; j < pair.length; j++) {
        pair[j].held += found[j].length
        if (pair[j].held > MAX_CANDIDATES) return false
        if (found[j].length > 0) pair[j].between.push(found[j].slice())
      }
    }
  }
  return true
}

/** The rank's value and how many are larger, when it fell inside the bracket. */
function settle(bracket: Bracket): RankValue | null {
  const [above, equalHi, equalLo] = bracket.counts
  let at = bracket.rank - above
  if (at < 0) return null
  if (at < equalHi) return {value: bracket.hi, greater: above}
  // With lo = hi, the values equal to it were counted twice.
  if (bracket.lo === bracket.hi) return null
  at -= equalHi
  if (at < bracket.held) {
    const between = new Float64Array(bracket.held)
    let filled = 0
    for (const part of bracket.between) {
      between.set(part, filled)
      filled += part.length
    }
    return rankOf(between, at, above + equalHi)
  }
  at -= bracket.held
  return at < equalLo ? {value: bracket.lo, greater: above + equalHi + bracket.held} : null
}

/** The value at descending rank `rank` of finite `values` (reordered), and `offset` + how many are larger. */
function rankOf(values: Float64Array, rank: number, offset: number): RankValue {
  const value = kthLargest(values, rank)
  // The selection leaves every larger value before the rank.
  let greater = 0
  for (let i = 0; i < rank; i++) if (values[i] > value) greater++
  return {value, greater: offset + greater}
}

/**
 * The value at descending rank k of finite `values` (reordered in place: the values before k are no
 * smaller, those after no larger): Hoare's selection with a median-of-three pivot.
 */
function kthLargest(values: Float64Array, k: number): number {
  let left = 0
  let right = values.length - 1
  while (right > left) {
    const a = values[left]
    const b = values[(left + right) >>> 1]
    const c = values[right]
    const pivot = a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b
    let i = left
    let j = right
    while (i <= j) {
      while (values[i] > pivot) i++
      while (pivot > values[j]) j--
      if (i <= j) {
        const swap = values[i]
        values[i] = values[j]
        values[j] = swap
        i++
        j--
      }
    }
    if (k <= j) right = j
    else if (k >= i) left = i
    else return values[k]
  }
  return values[k]
}
