import type {DType} from '../io/dtype'
import type {VirtualTensor} from '../io/safetensors/types'
import type {MomentStats} from '../merge/analysis/types'

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

/** Pass 1: moments of both tensors, their W1 over a seeded sample, and Σ S·T for bridge tensors. */
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
}

export interface StatisticsResult {
  source: MomentStats
  target: MomentStats
  w1: number
  dot: number | null
  finite: {source: boolean; target: boolean}
}

/** Top-k singular values of one model's tensor reshaped to rows × cols. */
export interface SpectrumJob {
  kind: 'spectrum'
  location: TensorLocation
  rows: number
  cols: number
  k: number
  seed: number
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

export type Job = StatisticsJob | SpectrumJob | LerpJob | CopyJob

export interface JobResults {
  statistics: StatisticsResult
  spectrum: Float64Array
  lerp: {finite: boolean}
  copy: {finite: boolean}
}

export type JobResult<J extends Job> = JobResults[J['kind']]

/** Elements per chunk: large enough to amortise calls, small enough to stay in cache. */
export const CHUNK_ELEMENTS = 1 << 18
