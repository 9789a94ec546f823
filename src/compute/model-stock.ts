import {dtypeSize, type FloatDType} from '../io/dtype'
import {encodeFloats} from './float-codecs'
import {readValues, type JobContext} from './job-context'
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

/** Streams the tensor twice: the task vectors' Gram matrix, then target + t·mean(Δᵢ), rounded once. */
export function modelStock(job: ModelStockJob, context: JobContext, progress: (bytes: number) => void): MergeJobResult {
  const n = job.sources.length
  const gram = Array.from({length: n}, () => new Array<number>(n).fill(0))
  const deltas = (start: number, count: number): Float64Array[] => {
    const t = readValues(context, 0, job.target, start, count)
    return job.sources.map((source, i) => {
      const d = readValues(context, i + 1, source, start, count)
      for (let j = 0; j < count; j++) d[j] -= t[j]
      return d
    })
  }
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const count = Math.min(CHUNK_ELEMENTS, job.count - start)
    const d = deltas(start, count)
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        let dot = 0
        for (let j = 0; j < count; j++) dot += d[a][j] * d[b][j]
        gram[a][b] += dot
        gram[b][a] = gram[a][b]
      }
    }
  }
  const ratio = modelStockRatio(gram)
  const outDtype = job.out.dtype as FloatDType
  const outSize = dtypeSize(outDtype)
  const merged = context.scratch.target
  const inputBytes = dtypeSize(job.target.dtype) + job.sources.reduce((sum, s) => sum + dtypeSize(s.dtype), 0)
  let poison = 0
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const count = Math.min(CHUNK_ELEMENTS, job.count - start)
    const d = deltas(start, count)
    const t = context.lanes[0].values
    for (let j = 0; j < count; j++) {
      let sum = 0
      for (let i = 0; i < n; i++) sum += d[i][j]
      const x = t[j] + ratio * (sum / n)
      merged[j] = x
      poison += x * 0
    }
    const out = context.bytes.out.subarray(0, count * outSize)
    encodeFloats(outDtype, merged, count, out)
    context.files.writeAt(job.out.path, job.out.offset + start * outSize, out)
    progress(count * inputBytes)
  }
  return {finite: poison === 0, weight: ratio}
}
