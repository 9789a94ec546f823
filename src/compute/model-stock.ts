import {dtypeSize, type FloatDType} from '../io/dtype'
import {decodeFloats, encodeFloats} from './float-codecs'
import {contextLane, readChunk, readValues, type JobContext} from './job-context'
import {MAX_KERNEL_SOURCES} from './wasm/kernels'
import {CHUNK_ELEMENTS, type MergeJobResult, type ModelStockJob} from './jobs'

/** Floor of the norm product ‖Δᵢ‖·‖Δⱼ‖ in the cosine: mergekit's `clamp(min=1e-6)`, so tiny task vectors get mergekit's ratio. */
export const MODEL_STOCK_EPS = 1e-6

/**
 * Model Stock's interpolation ratio t = N·cos θ / (1 + (N − 1)·cos θ), θ the mean pairwise angle
 * between the N task vectors, from their Gram matrix (`gram[i][j]` = Δᵢ·Δⱼ). A ratio that is not
 * finite (N = 2 and opposite task vectors) is 0: the target is kept.
 */
export function modelStockRatio(gram: number[][]): number {
  const n = gram.length
  let sum = 0
  let pairs = 0
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const norms = Math.max(Math.sqrt(gram[i][i]) * Math.sqrt(gram[j][j]), MODEL_STOCK_EPS)
      sum += Math.min(1, Math.max(-1, gram[i][j] / norms))
      pairs++
    }
  }
  const cos = sum / pairs
  const t = (n * cos) / (1 + (n - 1) * cos)
  return Number.isFinite(t) ? t : 0
}

/**
 * Streams the tensor twice: the task vectors' Gram matrix, then target + t·mean(Δᵢ), rounded once. A
 * bf16 merge of up to MAX_KERNEL_SOURCES sources runs both in the SIMD kernels (each chunk's dot
 * products summed one value after another, as the float64 loop adds them); a chunk with a value
 * that is not finite is redone the float64 way.
 */
export function modelStock(job: ModelStockJob, context: JobContext, progress: (bytes: number) => void): MergeJobResult {
  const n = job.sources.length
  const simd = job.out.dtype === 'BF16' && n <= MAX_KERNEL_SOURCES && [job.target, ...job.sources].every((l) => l.dtype === 'BF16')
  const ratio = modelStockRatio(gramMatrix(job, context, simd))
  const finite = writeModelStock(job, context, simd, ratio, progress)
  return {finite, weight: ratio}
}

/** Reads the target and every source chunk into the kernels' memory as raw bytes. */
function readRaw(job: ModelStockJob, context: JobContext, start: number, count: number): void {
  const {kernels} = context.scratch
  readChunk(context.files, job.target, start, count, kernels.a)
  job.sources.forEach((source, i) => readChunk(context.files, source, start, count, kernels.lanes[i]))
}

/** The task vectors Δᵢ = sourceᵢ − target of one chunk, in float64. */
function deltas(job: ModelStockJob, context: JobContext, start: number, count: number): Float64Array[] {
  const t = readValues(context, 0, job.target, start, count)
  return job.sources.map((source, i) => {
    const d = readValues(context, i + 1, source, start, count)
    for (let j = 0; j < count; j++) d[j] -= t[j]
    return d
  })
}

/** Pass 1: `gram[i][j]` = Δᵢ·Δⱼ over the whole tensor. */
function gramMatrix(job: ModelStockJob, context: JobContext, simd: boolean): number[][] {
  const n = job.sources.length
  const {kernels} = context.scratch
  const gram = Array.from({length: n}, () => new Array<number>(n).fill(0))
  /** Adds one chunk's sums of pair (a, b); the first pair that has a diagonal term keeps it. */
  const add = (a: number, b: number, aa: number, bb: number, ab: number) => {
    if (b === a + 1 && a === 0) gram[a][a] += aa
    if (b === a + 1) gram[b][b] += bb
    gram[a][b] += ab
    gram[b][a] = gram[a][b]
  }
  for (let start = 0; start < job.count; ) {
    const count = Math.min(CHUNK_ELEMENTS, job.count - start)
    const paired = simd && 2 * n <= MAX_KERNEL_SOURCES && job.count - start >= 2 * CHUNK_ELEMENTS
    if (paired) {
      // Two whole chunks side by side (the second's sources in the lanes after the first's), each
      // chunk's sums added to the matrix in order.
      readRaw(job, context, start, count)
      readChunk(context.files, job.target, start + count, count, kernels.a2)
      job.sources.forEach((source, i) => readChunk(context.files, source, start + count, count, kernels.lanes[n + i]))
      for (let a = 0; a < n; a++) {
        for (let b = a + 1; b < n; b++) {
          const [aa, aa2, bb, bb2, ab, ab2] = kernels.deltaDotsPairBf16(count, a, b, n + a, n + b)
          add(a, b, aa, bb, ab)
          add(a, b, aa2, bb2, ab2)
        }
      }
    } else if (simd) {
      readRaw(job, context, start, count)
      for (let a = 0; a < n; a++) {
        for (let b = a + 1; b < n; b++) {
          const [aa, bb, ab] = kernels.deltaDotsBf16(count, a, b)
          add(a, b, aa, bb, ab)
        }
      }
    } else {
      const d = deltas(job, context, start, count)
      for (let a = 0; a < n; a++) {
        for (let b = a; b < n; b++) {
          let dot = 0
          for (let j = 0; j < count; j++) dot += d[a][j] * d[b][j]
          gram[a][b] += dot
          gram[b][a] = gram[a][b]
        }
      }
    }
    start += paired ? 2 * count : count
  }
  return gram
}

/** Pass 2: writes target + ratio·mean(Δᵢ), rounded once; false when a merged value is not finite. */
function writeModelStock(job: ModelStockJob, context: JobContext, simd: boolean, ratio: number, progress: (bytes: number) => void): boolean {
  const n = job.sources.length
  const {kernels} = context.scratch
  const outDtype = job.out.dtype as FloatDType
  const outSize = dtypeSize(outDtype)
  const inputBytes = dtypeSize(job.target.dtype) + job.sources.reduce((sum, s) => sum + dtypeSize(s.dtype), 0)
  let finite = true
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const count = Math.min(CHUNK_ELEMENTS, job.count - start)
    const out = context.bytes.out.subarray(0, count * outSize)
    let done = false
    if (simd) {
      readRaw(job, context, start, count)
      kernels.padInputs(count, n)
      done = kernels.modelStockBf16(count, n, ratio)
    }
    if (!done) finite = writeChunkFloat64(job, context, simd, ratio, start, count, out) && finite
    context.files.writeAt(job.out.path, job.out.offset + start * outSize, out)
    progress(count * inputBytes)
  }
  return finite
}

/**
 * One chunk the float64 way into `out`: from the bytes already in the kernels' memory when the SIMD
 * path met a value that is not finite, else read afresh. False when a merged value is not finite.
 */
function writeChunkFloat64(job: ModelStockJob, context: JobContext, simd: boolean, ratio: number, start: number, count: number, out: Uint8Array): boolean {
  const n = job.sources.length
  const {kernels} = context.scratch
  const merged = context.scratch.target
  let t: Float64Array
  let d: Float64Array[]
  if (simd) {
    t = context.scratch.source
    decodeFloats('BF16', kernels.a, count, t)
    d = job.sources.map((_, i) => {
      const values = contextLane(context, i + 1).values
      decodeFloats('BF16', kernels.lanes[i], count, values)
      for (let j = 0; j < count; j++) values[j] -= t[j]
      return values
    })
  } else {
    d = deltas(job, context, start, count)
    t = context.lanes[0].values
  }
  let poison = 0
  for (let j = 0; j < count; j++) {
    let sum = 0
    for (let i = 0; i < n; i++) sum += d[i][j]
    const x = t[j] + ratio * (sum / n)
    merged[j] = x
    poison += x * 0
  }
  encodeFloats(job.out.dtype as FloatDType, merged, count, out)
  return poison === 0
}
