import type {DType} from '../io/dtype'
import type {Device} from './device/device'
import type {VirtualTensor} from '../io/safetensors/types'
import type {MomentStats} from './moments'

/** Where a tensor's bytes are: an absolute file path and byte offset, and their dtype. */
export interface TensorLocation {
  path: string
  offset: number
  dtype: DType
  /** Computed when read: the pool materializes it into `memory` before the job runs. */
  virtual?: VirtualTensor
  /** The tensor's bytes held in memory (shared with the worker threads), read instead of `path`. */
  memory?: Uint8Array
}

/**
 * Pass 1: moments of both tensors, their W1 over a seeded sample, Σ S·T for bridge tensors, and for
 * the bridge matrices their top-k singular values, from the same single read of each tensor.
 */
export interface StatisticsJob {
  kind: 'statistics'
  name: string
  count: number
  source: TensorLocation
  target: TensorLocation
  /** Values per model for W1: all of them when count ≤ sampleSize. */
  sampleSize: number
  seed: number
  withDot: boolean
  /** Top-k singular values of each model's tensor reshaped to rows × cols, their products on `device`. */
  spectrum?: {rows: number; cols: number; k: number; device: Device}
}

export interface StatisticsResult {
  source: MomentStats
  target: MomentStats
  w1: number
  dot: number | null
  finite: {source: boolean; target: boolean}
  /** The singular values asked for by `spectrum` (null when not asked, or when a value is not finite). */
  spectra: {source: Float64Array; target: Float64Array} | null
}

/** Pass 2: merged = target + α(source − target), written at `out`. */
export interface LerpJob {
  kind: 'lerp'
  count: number
  target: TensorLocation
  source: TensorLocation
  alpha: number
  out: TensorLocation
}

/** Pass 2: a tensor written unmerged (one-sided, shape mismatch, non-float), converted when the dtype changes. */
export interface CopyJob {
  kind: 'copy'
  count: number
  from: TensorLocation
  out: TensorLocation
}

/** How a task-vector job thins each task vector Δᵢ = sourceᵢ − target before combining them. */
export type Sparsify =
  | {kind: 'none'}
  /** TIES: keep the ⌊density·n⌋ entries of largest magnitude. */
  | {kind: 'magnitude'; density: number}
  /** Breadcrumbs: drop the ⌊gamma·n⌋ largest entries and the smallest ones, keep ⌊density·n⌋ between. */
  | {kind: 'band'; density: number; gamma: number}
  /**
   * DARE: keep each entry with probability `density` (seeded by `seed` and the tensor's name); kept
   * entries ÷ density (`density`), × ‖Δ‖₁/‖kept‖₁ of their task vector (`l1`), or as they are (`none`).
   */
  | {kind: 'random'; density: number; rescale: 'density' | 'l1' | 'none'; seed: number}

/**
 * Pass 2 of the task-vector methods (task arithmetic, TIES, DARE, Breadcrumbs), mergekit's
 * generalized task arithmetic: merged = target + λ·mix(wᵢ·sparsify(sourceᵢ − target)), where mix
 * sums (or, with `consensus`, keeps only entries agreeing with the elected sign) and `normalize`
 * divides by the sum of the weights that took part.
 */
export interface TaskVectorJob {
  kind: 'task-vector'
  /** Tensor name: keys DARE's random mask. */
  name: string
  count: number
  target: TensorLocation
  sources: TensorLocation[]
  weights: number[]
  lambda: number
  sparsify: Sparsify
  consensus: boolean
  normalize: boolean
  out: TensorLocation
}

/** Pass 2 of SLERP: spherical interpolation from target (t = 0) to source (t = 1). */
export interface SlerpJob {
  kind: 'slerp'
  count: number
  target: TensorLocation
  source: TensorLocation
  t: number
  out: TensorLocation
}

/** Pass 2 of Model Stock: target + t·mean(Δᵢ), t from the mean angle between the task vectors. */
export interface ModelStockJob {
  kind: 'model-stock'
  count: number
  target: TensorLocation
  sources: TensorLocation[]
  out: TensorLocation
}

/** What a merge job reports: whether every value was finite, and the interpolation weight it used (SLERP, Model Stock). */
export interface MergeJobResult {
  finite: boolean
  weight?: number
}

export type Job = StatisticsJob | LerpJob | CopyJob | TaskVectorJob | SlerpJob | ModelStockJob

export interface JobResults {
  statistics: StatisticsResult
  lerp: {finite: boolean}
  copy: {finite: boolean}
  'task-vector': MergeJobResult
  slerp: MergeJobResult
  'model-stock': MergeJobResult
}

export type JobResult<J extends Job> = JobResults[J['kind']]

/** Elements per chunk: large enough to amortise calls, small enough to stay in cache. */
export const CHUNK_ELEMENTS = 1 << 18
