import {dtypeSize, type FloatDType} from '../io/dtype'
import {decodeFloats, encodeFloats} from './float-codecs'
import {contextLane, readChunk, readValues, type JobContext} from './job-context'
import {CHUNK_ELEMENTS, type MergeJobResult, type Sparsify, type TaskVectorJob} from './jobs'
import {counterKeys} from './random'
import {bracketRanks} from './bracket-ranks'
import {RankSelector, type RankValue} from './rank-select'
import {alikeCuts, KERNEL_BLOCK, MAX_KERNEL_SOURCES, type Cuts, type Kernels} from './wasm/kernels'

/** Descending magnitude ranks [from, to) kept by a magnitude or band sparsification; null keeps every entry. */
export function keptRanks(count: number, sparsify: Sparsify): {from: number; to: number} | null {
  if (sparsify.kind !== 'magnitude' && sparsify.kind !== 'band') return null
  // mergekit leaves a tensor untouched at density ≥ 1 (and so, for Breadcrumbs, ignores gamma).
  if (sparsify.density >= 1) return null
  const keep = Math.floor(sparsify.density * count)
  if (sparsify.kind === 'magnitude') return {from: 0, to: keep}
  let top = Math.floor(sparsify.gamma * count)
  const bottom = count - keep - top
  // Not room for both: fewer of the largest entries are dropped.
  if (bottom < 0) top += bottom
  return {from: top, to: top + keep}
}

/**
 * The kept band of one task vector, as thresholds on |Δ| (see `Kernels.bandMask`): of the entries
 * equal to a threshold, those that come first in the tensor rank first (the order is total, so
 * exactly to − from entries are kept, whatever the ties).
 */
interface Band {
  upper: number
  skipUpper: number
  lower: number
  keepLower: number
  /** How many entries equal to each threshold were met so far. */
  seen: Float64Array
  /**
   * How many entries equal to each threshold (upper, lower) each chunk holds, when the threshold
   * search counted them: a chunk where the ties at both cuts are all treated alike is then cut with
   * plain comparisons throughout, without counting ties block by block.
   */
  chunkTies: Float64Array | null
}

/** How each source's entries are thinned: a band of magnitudes, DARE's random draw, every entry kept, or none. */
type Thinning = {kind: 'band'; bands: Band[]} | {kind: 'random'; keys: Array<[number, number]>; below: number} | {kind: 'all'} | {kind: 'none-kept'}

/**
 * mergekit's generalized task arithmetic, streamed: the magnitude thresholds of TIES and Breadcrumbs
 * come from a sample and a counting pass over |Δᵢ| (or radix-selection passes; a read of the tensor
 * each, usually one; no copy of it), then one pass thins, weights, mixes and writes, rounding once
 * into the output dtype. bf16 merges of up to MAX_KERNEL_SOURCES sources run in one SIMD kernel per
 * block, which cuts a band of magnitudes itself where its ties are alike and otherwise reads a keep
 * mask per source (the band's where its ties turn, DARE's counter-based draw) made by a SIMD kernel;
 * everything else (and a block with a value that is not finite) runs in float64 JavaScript: the same
 * operations in the same order, so both write the same bytes.
 */
export function taskVector(job: TaskVectorJob, context: JobContext, progress: (bytes: number) => void): MergeJobResult {
  const kernels = context.scratch.kernels
  const thinning = thinningOf(job, context)
  const {weights, consensus} = job
  const weightSum = weights.reduce((a, b) => a + b, 0)
  // DARE's rescale divides each kept entry, by one factor per source (keptDivisors).
  const divisors = keptDivisors(job, context, thinning)
  // Per block: the bands cut in the kernel, and their counts of ties before it.
  const bands: Array<BandCut | null> = job.sources.map(() => null)
  const seenBefore = new Float64Array(2 * job.sources.length)
  const mixing = {
    bands,
    everyEntryKept: thinning.kind === 'all',
    sources: job.sources.length,
    weights,
    divisors,
    lambda: job.lambda,
    divisor: job.normalize && !consensus && Math.abs(weightSum) >= 1e-8 ? weightSum : 1,
    consensus,
    normalize: job.normalize,
  }
  const outDtype = job.out.dtype as FloatDType
  const outSize = dtypeSize(outDtype)
  const inputBytes = dtypeSize(job.target.dtype) + job.sources.reduce((sum, s) => sum + dtypeSize(s.dtype), 0)
  const simd = job.target.dtype === 'BF16' && outDtype === 'BF16' && job.sources.length <= MAX_KERNEL_SOURCES && job.sources.every((s) => s.dtype === 'BF16')
  if (thinning.kind === 'all' || thinning.kind === 'none-kept') {
    for (let i = 0; i < Math.min(job.sources.length, MAX_KERNEL_SOURCES); i++) kernels.masks[i].fill(thinning.kind === 'all' ? 1 : 0)
  }
  let finite = true

  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, job.count - start)
    const out = context.bytes.out.subarray(0, n * outSize)
    if (simd) {
      const chunk = start / CHUNK_ELEMENTS
      const chunkCuts = thinning.kind === 'band' ? thinning.bands.map((band) => cutChunk(band, chunk)) : null
      readChunk(context.files, job.target, start, n, kernels.a)
      for (let i = 0; i < job.sources.length; i++) readChunk(context.files, job.sources[i], start, n, kernels.lanes[i])
      kernels.padInputs(n, job.sources.length)
      for (let from = 0; from < n; from += KERNEL_BLOCK) {
        const m = Math.min(KERNEL_BLOCK, n - from)
        // A band whose ties are alike in this block is cut in the kernel; every other thinning is a mask.
        for (let i = 0; i < job.sources.length; i++) {
          bands[i] = thinning.kind === 'band' ? (chunkCuts![i] ?? cutInKernel(kernels, thinning.bands[i], i, from, m)) : null
          if (bands[i]) seenBefore.set(bands[i]!.seen, 2 * i)
          else thin(kernels, thinning, i, i, start, from, m, true)
        }
        if (kernels.taskVectorBf16(from, m, mixing)) continue
        // A value that is not finite: the float64 way, from the same bytes and masks (made now for the
        // bands cut in the kernel, from the counts of ties before the block).
        bands.forEach((band, i) => band && kernels.bandMaskBf16(from, m, i, i, band.band, seenBefore.subarray(2 * i, 2 * i + 2)))
        const t = context.scratch.target
        decodeFloats('BF16', kernels.a.subarray(2 * from), m, t)
        const deltas = job.sources.map((_, i) => {
          const d = contextLane(context, i + 1).values
          decodeFloats('BF16', kernels.lanes[i].subarray(2 * from), m, d)
          weighDelta(d, t, m, kernels.masks[i], weights[i], divisors[i])
          return d
        })
        finite = mixFloat64(t, deltas, m, mixing, outDtype, out.subarray(2 * from)) && finite
      }
      chunkCuts?.forEach((cut) => {
        if (!cut) return
        cut.seen[0] += cut.band.chunkTies![2 * chunk]
        cut.seen[1] += cut.band.chunkTies![2 * chunk + 1]
      })
    } else {
      const t = readValues(context, 0, job.target, start, n)
      const deltas: Float64Array[] = []
      for (let i = 0; i < job.sources.length; i++) {
        const d = readValues(context, i + 1, job.sources[i], start, n)
        if (thinning.kind === 'band') for (let j = 0; j < n; j++) kernels.magnitudes[j] = Math.abs(d[j] - t[j])
        const mask = thin(kernels, thinning, i, 0, start, 0, n, false)
        weighDelta(d, t, n, thinning.kind === 'all' ? null : mask, weights[i], divisors[i])
        deltas.push(d)
      }
      finite = mixFloat64(t, deltas, n, mixing, outDtype, out) && finite
    }
    context.files.writeAt(job.out.path, job.out.offset + start * outSize, out)
    progress(n * inputBytes)
  }
  return {finite}
}

/** A band cut in the kernel with plain comparisons for a block; the kernel counts the ties at the cuts into `seen` with `count`. */
type BandCut = {band: Band; cuts: Cuts; seen: Float64Array; count: boolean}

/**
 * Source i's band with its cuts as plain comparisons for the `count` values from `from` of the lanes,
 * when `alikeCuts` gives them: from their count alone, else from their ties, counted.
 */
function cutInKernel(kernels: Kernels, band: Band, i: number, from: number, count: number): BandCut | null {
  const cuts = alikeCuts(band, band.seen, [count, count]) ?? alikeCuts(band, band.seen, kernels.tieCountsBf16(from, count, i, band))
  return cuts ? {band, cuts, seen: band.seen, count: true} : null
}

/**
 * The band's cuts for a whole chunk, when the threshold search counted each chunk's ties and those of
 * this chunk are all treated alike: its blocks then count no ties (`seen`, as at the chunk's start,
 * gains the chunk's ties after it).
 */
function cutChunk(band: Band, chunk: number): BandCut | null {
  if (!band.chunkTies) return null
  const cuts = alikeCuts(band, band.seen, [band.chunkTies[2 * chunk], band.chunkTies[2 * chunk + 1]])
  return cuts ? {band, cuts, seen: band.seen, count: false} : null
}

/** mergekit's tolerance: below it, ‖Δ‖₁ or ‖kept‖₁ is too small to rescale by. */
const L1_EPS = 1e-7

/**
 * What each source's kept entries are divided by: DARE's density (`--rescale density`), 1 (`none`,
 * or nothing dropped), or ‖kept‖₁/‖Δ‖₁ of that source's task vector (`l1`: mergekit's
 * `rescaled_masked_tensor` with the L1 norm, 1 when either sum is under 1e-7) — a read of the
 * tensor drawing the same masks as the write pass.
 */
function keptDivisors(job: TaskVectorJob, context: JobContext, thinning: Thinning): number[] {
  const {sparsify} = job
  if (sparsify.kind !== 'random' || sparsify.rescale === 'none') return job.sources.map(() => 1)
  if (sparsify.rescale === 'density') return job.sources.map(() => sparsify.density)
  if (thinning.kind !== 'random') return job.sources.map(() => 1)
  const kernels = context.scratch.kernels
  const all = new Float64Array(job.sources.length)
  const kept = new Float64Array(job.sources.length)
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, job.count - start)
    const t = readValues(context, 0, job.target, start, n)
    for (let i = 0; i < job.sources.length; i++) {
      const s = readValues(context, i + 1, job.sources[i], start, n)
      const mask = thin(kernels, thinning, i, 0, start, 0, n, false)
      for (let j = 0; j < n; j++) {
        const magnitude = Math.abs(s[j] - t[j])
        all[i] += magnitude
        if (mask[j] !== 0) kept[i] += magnitude
      }
    }
  }
  return job.sources.map((_, i) => (all[i] < L1_EPS || kept[i] < L1_EPS ? 1 : kept[i] / all[i]))
}

/**
 * Source i's keep mask for the `n` values from `from` of the chunk at tensor index `start`, into
 * `kernels.masks[mask]` from its start. A band needs their magnitudes in `kernels.magnitudes`:
 * computed here from bf16 lane i and region `a` when `fromLane` (the SIMD path), given otherwise.
 */
function thin(kernels: Kernels, thinning: Thinning, i: number, mask: number, start: number, from: number, n: number, fromLane: boolean): Uint8Array {
  if (thinning.kind === 'band') {
    const band = thinning.bands[i]
    if (fromLane) kernels.bandMaskBf16(from, n, i, mask, band, band.seen)
    else kernels.bandMask(n, mask, band, band.seen)
  } else if (thinning.kind === 'random') {
    const [k0, k1] = thinning.keys[i]
    // Draw index start + from + j: the high word of a (≥ 2³²-element) tensor's index goes into the first key.
    const index = start + from
    const high = Math.floor(index / 0x100000000)
    kernels.randomMask(n, mask, index >>> 0, [(k0 ^ Math.imul(high, 0x9e3779b9)) >>> 0, k1], thinning.below)
  }
  return kernels.masks[mask]
}

/** d = w·(kept ? (d − t)/divisor : 0): source values in, weighted thinned task vector out. */
function weighDelta(d: Float64Array, t: Float64Array, n: number, mask: Uint8Array | null, w: number, divisor: number): void {
  for (let j = 0; j < n; j++) {
    let x = d[j] - t[j]
    x = mask === null || mask[j] !== 0 ? x / divisor : 0
    d[j] = w * x
  }
}

/** t + λ·mix(deltas), the float64 way (mixed in `t`), rounded once into `out`; false when a value is not finite. */
function mixFloat64(
  t: Float64Array,
  deltas: Float64Array[],
  n: number,
  o: {lambda: number; divisor: number; consensus: boolean; normalize: boolean; weights: number[]},
  outDtype: FloatDType,
  out: Uint8Array,
): boolean {
  let poison = 0
  for (let j = 0; j < n; j++) {
    let mixed: number
    if (o.consensus) {
      let total = 0
      for (const d of deltas) total += d[j]
      // The elected sign: that of the sum, + on a tie; zero entries agree with neither.
      const positive = total >= 0
      let sum = 0
      let weight = 0
      for (let i = 0; i < deltas.length; i++) {
        const x = deltas[i][j]
        if (positive ? x > 0 : x < 0) {
          sum += x
          weight += o.weights[i]
        }
      }
      mixed = o.normalize ? sum / (weight === 0 ? 1 : weight) : sum
    } else {
      mixed = deltas[0][j]
      for (let i = 1; i < deltas.length; i++) mixed += deltas[i][j]
      mixed /= o.divisor
    }
    const x = t[j] + o.lambda * mixed
    t[j] = x
    poison += x * 0
  }
  encodeFloats(outDtype, t, n, out)
  return poison === 0
}

function thinningOf(job: TaskVectorJob, context: JobContext): Thinning {
  const {sparsify} = job
  if (sparsify.kind === 'random') {
    if (sparsify.density >= 1) return {kind: 'all'}
    // Kept when the 32 random bits fall below density·2³², i.e. below its ceiling as integers.
    const below = Math.ceil(sparsify.density * 0x100000000)
    if (below >= 0x100000000) return {kind: 'all'}
    return {kind: 'random', keys: job.sources.map((_, i) => counterKeys(sparsify.seed, `${job.name}\u0000${i}`)), below}
  }
  const ranks = keptRanks(job.count, sparsify)
  if (!ranks) return {kind: 'all'}
  if (ranks.to <= ranks.from) return {kind: 'none-kept'}
  return {kind: 'band', bands: job.sources.map((_, i) => selectBand(job, i, context, ranks))}
}

/**
 * Source i's thresholds: for a bf16 pair from a sample and (usually) one counting pass over |Δᵢ|,
 * otherwise, or when those miss, by radix-selection passes.
 */
function selectBand(job: TaskVectorJob, i: number, context: JobContext, ranks: {from: number; to: number}): Band {
  const n = job.count
  const wanted = [...(ranks.from > 0 ? [ranks.from] : []), ...(ranks.to < n ? [ranks.to] : [])]
  const simd = job.target.dtype === 'BF16' && job.sources[i].dtype === 'BF16'
  const results = (wanted.length > 0 && simd ? bracketRanks(context, n, job.target, job.sources[i], wanted) : null) ?? radixRanks(job, i, context, wanted, simd)
  const upper = ranks.from > 0 ? results[0] : null
  const lower = ranks.to < n ? results[results.length - 1] : null
  const counted = (upper === null || upper.ties !== undefined) && (lower === null || lower.ties !== undefined)
  const chunks = Math.ceil(n / CHUNK_ELEMENTS)
  return {
    upper: upper ? upper.value : Number.POSITIVE_INFINITY,
    skipUpper: upper ? ranks.from - upper.greater : 0,
    lower: lower ? lower.value : Number.NEGATIVE_INFINITY,
    keepLower: lower ? ranks.to - lower.greater : 0,
    seen: new Float64Array(2),
    // An absent cut has no ties.
    chunkTies: counted ? Float64Array.from({length: 2 * chunks}, (_, k) => (k % 2 === 0 ? upper?.ties![k >> 1] : lower?.ties![k >> 1]) ?? 0) : null,
  }
}

/** Radix-selection passes over |Δᵢ| until the values at the wanted ranks are known. */
function radixRanks(job: TaskVectorJob, i: number, context: JobContext, wanted: number[], simd: boolean): RankValue[] {
  const n = job.count
  const kernels = context.scratch.kernels
  if (wanted.length === 0) return []
  const selector = new RankSelector(kernels, n, wanted, CHUNK_ELEMENTS)
  while (!selector.done) {
    for (let start = 0; start < n; start += CHUNK_ELEMENTS) {
      const count = Math.min(CHUNK_ELEMENTS, n - start)
      if (simd) {
        readChunk(context.files, job.target, start, count, kernels.a)
        readChunk(context.files, job.sources[i], start, count, kernels.lanes[0])
        kernels.absDeltaBf16(0, count, 0)
      } else {
        const t = readValues(context, 0, job.target, start, count)
        const s = readValues(context, 1, job.sources[i], start, count)
        for (let j = 0; j < count; j++) kernels.magnitudes[j] = Math.abs(s[j] - t[j])
      }
      selector.visit(count)
    }
    selector.endPass()
  }
  return selector.results
}
