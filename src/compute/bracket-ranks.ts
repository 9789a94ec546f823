import {bf16Value, float32AtLeast, float32AtMost} from './float-codecs'
import {readChunk, type JobContext} from './job-context'
import {CHUNK_ELEMENTS, type TensorLocation} from './jobs'
import type {RankValue} from './rank-select'

/**
 * Values of |Δ| read to place the brackets: a sample's quantiles land within a few 1/√size of the true
 * ones, so a larger sample leaves fewer values between a bracket's ends to select from (about 2/√size
 * of the tensor), but costs more to place the brackets (a selection over the sample, about 12 ns a
 * value: |Δ| ties abound). The power of two nearest count^⅔ balances the two, within these bounds.
 */
const MIN_SAMPLE = 1 << 14
const MAX_SAMPLE = 1 << 16
/**
 * A tensor larger than SAMPLE_BLOCKS·SAMPLE_SPACING times its sample size is sampled from that many
 * blocks, evenly spread and each read whole (from a cold disk a read costs its seek, tens of µs, about
 * what 256 KB take to transfer), at every SAMPLE_SPACING-th value of each; a smaller one from one read
 * of it all, in order. Values that far apart span rows, whose scales differ: runs of contiguous values
 * sample those rows' scales instead, and their quantiles scatter more (on the bench pair, runs of 64
 * missed more brackets than these blocks, and values 32 apart took more passes than 64 apart, which read
 * a third less than blocks of 128 Ki values did).
 */
const SAMPLE_BLOCKS = 32
const SAMPLE_SPACING = 64
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
  /** The values strictly between the ends, in order: the first `held` (grown as needed). */
  between: Float64Array
  held: number
  /** Per chunk: the values equal to hi and to lo, and where its values between end in `between`. */
  chunkTies: Float64Array
  chunkHeld: Float64Array
  result: RankValue | null
}

/**
 * The values at descending ranks (0 = the largest) of |s − t| for a bf16 pair, how many values are
 * strictly larger and how many each chunk holds equal to it, from a sample and usually one pass: the sample's quantiles give, for each rank, a
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
    // The sample (a copy) is the tensor, one chunk: each rank straight from it.
    return ranks.map((rank) => {
      const {value, greater} = rankOf(sample, rank, 0)
      return {value, greater, ties: Float64Array.of(sample.filter((x) => x === value).length)}
    })
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

/** |s − t| at sampleSize(count) places spread over the tensor (every place of a tensor no larger than that). */
function sampleMagnitudes(context: JobContext, count: number, target: TensorLocation, source: TensorLocation): Float64Array {
  const sample = new Float64Array(Math.min(count, sampleSize(count)))
  const size = sample.length / SAMPLE_BLOCKS
  const block = size * SAMPLE_SPACING
  if (count <= SAMPLE_BLOCKS * block) {
    sampleSpan(context, target, source, 0, count, sample)
    return sample
  }
  for (let b = 0; b < SAMPLE_BLOCKS; b++) {
    const start = Math.floor((b * (count - block)) / (SAMPLE_BLOCKS - 1))
    sampleSpan(context, target, source, start, block, sample.subarray(b * size, (b + 1) * size))
  }
  return sample
}

function sampleSize(count: number): number {
  const size = 2 ** Math.round(Math.log2(count) * (2 / 3))
  return Math.min(MAX_SAMPLE, Math.max(MIN_SAMPLE, size))
}

/**
 * Fills `sample` with |s − t| at evenly spaced places of values [start, start + length): place i is
 * value start + ⌊i·length/size⌋, computed alone (in float64, as the kernels do) from a read of the span.
 */
function sampleSpan(context: JobContext, target: TensorLocation, source: TensorLocation, start: number, length: number, sample: Float64Array): void {
  const kernels = context.scratch.kernels
  const t = new Uint16Array(kernels.a.buffer, kernels.a.byteOffset, CHUNK_ELEMENTS)
  const s = new Uint16Array(kernels.lanes[0].buffer, kernels.lanes[0].byteOffset, CHUNK_ELEMENTS)
  let next = 0
  for (let from = 0; from < length; from += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, length - from)
    readChunk(context.files, target, start + from, n, kernels.a)
    readChunk(context.files, source, start + from, n, kernels.lanes[0])
    for (let at = Math.floor((next * length) / sample.length); next < sample.length && at < from + n; at = Math.floor((++next * length) / sample.length)) {
      sample[next] = Math.abs(bf16Value(s[at - from]) - bf16Value(t[at - from]))
    }
  }
}

/** Where the sample puts `rank`, widened by `sigmas` standard deviations of a sampled quantile either way. */
function placeBracket(sample: Float64Array, count: number, rank: number, sigmas: number): Bracket {
  const size = sample.length
  const p = (rank + 0.5) / count
  const margin = sigmas * Math.sqrt(size * p * (1 - p)) + 1
  const above = Math.floor(p * size - margin)
  const below = Math.ceil(p * size + margin)
  const values = Float64Array.from(sample)
  const hi = above < 0 ? Number.POSITIVE_INFINITY : kthLargest(values, above)
  // The selection left the values after `above` no larger: the one at `below` is among them.
  const from = Math.max(above, 0)
  const lo = below >= size ? 0 : kthLargest(values.subarray(from), below - from)
  return {
    rank,
    // Widened to float32 numbers, which the counting kernel compares in float32.
    hi: float32AtLeast(hi),
    lo: float32AtMost(lo),
    counts: new Float64Array(3),
    between: new Float64Array(0),
    held: 0,
    chunkTies: new Float64Array(2 * Math.ceil(count / CHUNK_ELEMENTS)),
    chunkHeld: new Float64Array(Math.ceil(count / CHUNK_ELEMENTS) + 1),
    result: null,
  }
}

/** One read of the tensor counting for every open bracket; false when one holds too many values. */
function countPass(context: JobContext, count: number, target: TensorLocation, source: TensorLocation, brackets: Bracket[]): boolean {
  const kernels = context.scratch.kernels
  for (const bracket of brackets) {
    bracket.counts.fill(0)
    bracket.held = 0
  }
  for (let start = 0, chunk = 0; start < count; start += CHUNK_ELEMENTS, chunk++) {
    const n = Math.min(CHUNK_ELEMENTS, count - start)
    readChunk(context.files, target, start, n, kernels.a)
    readChunk(context.files, source, start, n, kernels.lanes[0])
    for (const bracket of brackets) {
      bracket.chunkTies[2 * chunk] = -bracket.counts[1]
      bracket.chunkTies[2 * chunk + 1] = -bracket.counts[2]
    }
    // Two brackets a call (the kernels have room for the values between of two), which share each
    // reading of the chunk (Breadcrumbs' two cuts); the first in the same kernel pass as the second
    // when it is near the top, from the few values at least its lo.
    for (let k = 0; k < brackets.length; k += 2) {
      const pair = brackets.slice(k, k + 2)
      const found = kernels.bracketBf16(n, pair, pair.length === 2 && pair[0].rank <= TOP_SHARE * count && pair[0].lo > 0 && pair[0].lo >= pair[1].hi)
      for (let j = 0; j < pair.length; j++) {
        const bracket = pair[j]
        const held = bracket.held + found[j].length
        if (held > MAX_CANDIDATES) return false
        if (held > bracket.between.length) {
          const grown = new Float64Array(Math.min(MAX_CANDIDATES, Math.max(held, 2 * bracket.between.length)))
          grown.set(bracket.between.subarray(0, bracket.held))
          bracket.between = grown
        }
        bracket.between.set(found[j], bracket.held)
        bracket.held = held
        bracket.chunkTies[2 * chunk] += bracket.counts[1]
        bracket.chunkTies[2 * chunk + 1] += bracket.counts[2]
        bracket.chunkHeld[chunk + 1] = held
      }
    }
  }
  return true
}

/** The rank's value, how many are larger and each chunk's values equal to it, when it fell inside the bracket. */
function settle(bracket: Bracket): RankValue | null {
  const [above, equalHi, equalLo] = bracket.counts
  const chunks = bracket.chunkHeld.length - 1
  let at = bracket.rank - above
  if (at < 0) return null
  if (at < equalHi) return {value: bracket.hi, greater: above, ties: bracket.chunkTies.filter((_, i) => i % 2 === 0)}
  // With lo = hi, the values equal to it were counted twice.
  if (bracket.lo === bracket.hi) return null
  at -= equalHi
  if (at < bracket.held) {
    // Selected from a copy: the values between stay in order, chunk by chunk, to count the ties.
    const {value, greater} = rankOf(bracket.between.slice(0, bracket.held), at, above + equalHi)
    const ties = new Float64Array(chunks)
    for (let c = 0; c < chunks; c++) {
      for (let i = bracket.chunkHeld[c]; i < bracket.chunkHeld[c + 1]; i++) if (bracket.between[i] === value) ties[c]++
    }
    return {value, greater, ties}
  }
  at -= bracket.held
  return at < equalLo ? {value: bracket.lo, greater: above + equalHi + bracket.held, ties: bracket.chunkTies.filter((_, i) => i % 2 === 1)} : null
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
