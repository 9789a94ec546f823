import {dtypeSize, type FloatDType} from '../io/dtype'
import {encodeFloats} from './float-codecs'
import {readValues, type JobContext} from './job-context'
import {CHUNK_ELEMENTS, type MergeJobResult, type Sparsify, type TaskVectorJob} from './jobs'
import {createRandom, type Random} from './random'
import {RankSelector, type RankValue} from './rank-select'

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
 * The kept band of one task vector, as thresholds on |Δ|: entries between the two values are kept;
 * of the entries equal to a threshold, those that come first in the tensor rank first (the order is
 * total, so exactly to − from entries are kept, whatever the ties).
 */
interface Band {
  lower: (RankValue & {rank: number}) | null
  upper: (RankValue & {rank: number}) | null
  empty: boolean
  seenLower: number
  seenUpper: number
}

/**
 * mergekit's generalized task arithmetic, streamed: the magnitude thresholds of TIES and
 * Breadcrumbs come from radix-selection passes over |Δᵢ| (a few reads of the tensor, no copy of
 * it), then one pass sparsifies, weights, mixes and writes, rounding once into the output dtype.
 */
export function taskVector(job: TaskVectorJob, context: JobContext, progress: (bytes: number) => void): MergeJobResult {
  const ranks = keptRanks(job.count, job.sparsify)
  const bands = ranks ? selectBands(job, context, ranks) : null
  const {sparsify, weights, lambda, consensus} = job
  const dropping = sparsify.kind === 'random' && sparsify.density < 1
  const randoms: Random[] | null = dropping ? job.sources.map((_, i) => createRandom(sparsify.seed, `${job.name}\u0000${i}`)) : null
  // Kept when the 32 random bits fall below density·2³².
  const threshold = sparsify.kind === 'random' ? sparsify.density * 0x100000000 : 0
  // What each source's kept entries are divided by (DARE's rescale), one factor per task vector.
  const rescale = dropping ? keptDivisors(job, context) : null
  const weightSum = weights.reduce((a, b) => a + b, 0)
  const divisor = job.normalize && !consensus && Math.abs(weightSum) >= 1e-8 ? weightSum : 1
  const outDtype = job.out.dtype as FloatDType
  const outSize = dtypeSize(outDtype)
  const mixed = context.scratch.target
  const inputBytes = dtypeSize(job.target.dtype) + job.sources.reduce((sum, s) => sum + dtypeSize(s.dtype), 0)
  let poison = 0

  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, job.count - start)
    const t = readValues(context, 0, job.target, start, n)
    const deltas: Float64Array[] = []
    for (let i = 0; i < job.sources.length; i++) {
      // Δᵢ, thinned and weighted, in place of the source's values.
      const d = readValues(context, i + 1, job.sources[i], start, n)
      const w = weights[i]
      const band = bands?.[i]
      const random = randoms?.[i]
      const divisor = rescale?.[i] ?? 1
      for (let j = 0; j < n; j++) {
        let x = d[j] - t[j]
        if (band && !inBand(Math.abs(x), band)) x = 0
        else if (random) x = random.uint32() < threshold ? x / divisor : 0
        d[j] = w * x
      }
      deltas.push(d)
    }
    if (consensus) {
      for (let j = 0; j < n; j++) {
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
            weight += weights[i]
          }
        }
        mixed[j] = job.normalize ? sum / (weight === 0 ? 1 : weight) : sum
      }
    } else {
      const first = deltas[0]
      for (let j = 0; j < n; j++) mixed[j] = first[j]
      for (let i = 1; i < deltas.length; i++) {
        const d = deltas[i]
        for (let j = 0; j < n; j++) mixed[j] += d[j]
      }
      if (divisor !== 1) for (let j = 0; j < n; j++) mixed[j] /= divisor
    }
    for (let j = 0; j < n; j++) {
      const x = t[j] + lambda * mixed[j]
      mixed[j] = x
      poison += x * 0
    }
    const out = context.bytes.out.subarray(0, n * outSize)
    encodeFloats(outDtype, mixed, n, out)
    context.files.writeAt(job.out.path, job.out.offset + start * outSize, out)
    progress(n * inputBytes)
  }
  return {finite: poison === 0}
}

/** mergekit's tolerance: below it, ‖Δ‖₁ or ‖kept‖₁ is too small to rescale by. */
const L1_EPS = 1e-7

/**
 * DARE's divisor of each source's kept entries: the density, or ‖kept‖₁/‖Δ‖₁ (mergekit's
 * `rescaled_masked_tensor` with the L1 norm, 1 when either norm is under 1e-7), which takes a pass
 * drawing the same masks as the write pass (a fresh generator per source, same seed and name).
 */
function keptDivisors(job: TaskVectorJob, context: JobContext): number[] {
  const sparsify = job.sparsify as Extract<Sparsify, {kind: 'random'}>
  if (sparsify.rescale === 'density') return job.sources.map(() => sparsify.density)
  if (sparsify.rescale === 'none') return job.sources.map(() => 1)
  const threshold = sparsify.density * 0x100000000
  const randoms = job.sources.map((_, i) => createRandom(sparsify.seed, `${job.name}\u0000${i}`))
  const all = new Float64Array(job.sources.length)
  const kept = new Float64Array(job.sources.length)
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, job.count - start)
    const t = readValues(context, 0, job.target, start, n)
    for (let i = 0; i < job.sources.length; i++) {
      const s = readValues(context, i + 1, job.sources[i], start, n)
      const random = randoms[i]
      for (let j = 0; j < n; j++) {
        const magnitude = Math.abs(s[j] - t[j])
        all[i] += magnitude
        if (random.uint32() < threshold) kept[i] += magnitude
      }
    }
  }
  return job.sources.map((_, i) => (all[i] < L1_EPS || kept[i] < L1_EPS ? 1 : kept[i] / all[i]))
}

function inBand(magnitude: number, band: Band): boolean {
  if (band.empty) return false
  let keep = true
  const {lower, upper} = band
  if (lower) {
    if (magnitude > lower.value) keep = false
    else if (magnitude === lower.value && band.seenLower++ < lower.rank - lower.greater) keep = false
  }
  if (upper) {
    if (magnitude < upper.value) keep = false
    else if (magnitude === upper.value && band.seenUpper++ >= upper.rank - upper.greater) keep = false
  }
  return keep
}

/** Radix-selection passes over every |Δᵢ| at once, until each source's thresholds are known. */
function selectBands(job: TaskVectorJob, context: JobContext, ranks: {from: number; to: number}): Band[] {
  const n = job.count
  const empty = ranks.to <= ranks.from
  const selectors = job.sources.map(() => ({
    lower: !empty && ranks.from > 0 ? new RankSelector(n, ranks.from, CHUNK_ELEMENTS) : null,
    upper: !empty && ranks.to < n ? new RankSelector(n, ranks.to, CHUNK_ELEMENTS) : null,
  }))
  const magnitudes = context.scratch.source
  const pending = (): RankSelector[] => selectors.flatMap((s) => [s.lower, s.upper]).filter((s): s is RankSelector => s !== null && !s.done)
  while (pending().length > 0) {
    for (let start = 0; start < n; start += CHUNK_ELEMENTS) {
      const count = Math.min(CHUNK_ELEMENTS, n - start)
      const t = readValues(context, 0, job.target, start, count)
      for (let i = 0; i < job.sources.length; i++) {
        const {lower, upper} = selectors[i]
        if ((!lower || lower.done) && (!upper || upper.done)) continue
        const s = readValues(context, i + 1, job.sources[i], start, count)
        for (let j = 0; j < count; j++) magnitudes[j] = Math.abs(s[j] - t[j])
        if (lower && !lower.done) lower.visit(magnitudes, count)
        if (upper && !upper.done) upper.visit(magnitudes, count)
      }
    }
    for (const selector of pending()) selector.endPass()
  }
  return selectors.map(({lower, upper}) => ({
    lower: lower ? {...lower.result, rank: ranks.from} : null,
    upper: upper ? {...upper.result, rank: ranks.to} : null,
    empty,
    seenLower: 0,
    seenUpper: 0,
  }))
}
