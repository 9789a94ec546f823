import type {AlphaBreakdown} from '../merge/alpha-breakdown'
import type {CmaamReport} from '../merge/analysis/types'

/**
 * Everything known about one merge: written as `cmaam_merge_info.json` (and, with `--analyze`,
 * `cmaam_analysis_report.json`), printed with `--json`, and rendered into the model card. Keys
 * that the reference implementation writes keep its names (`timestamp`, `config.base_alpha`,
 * `compatibility.common_params`, `analysis.alignment` …).
 */
export interface MergeRecord {
  timestamp: string
  cmaam_version: string
  /** The source and target as the user named them (a folder or a Hub repo id). */
  source: string
  target: string
  output: string
  /** Hub revisions the inputs resolved to, when they came from the Hub. */
  revisions?: {source?: string; target?: string}
  config: {
    method: 'cmaam' | 'linear'
    /** α₀ for CMAAM; the constant α for the linear method. */
    base_alpha: number
    strategy: string | null
    model_type: string
    model_type_reason: string
    compat: 'default' | 'reference'
    seed: number
    dtype: string
    min_alpha: number
    max_alpha: number
    component_alpha: Record<string, number>
    shard_size: number
  }
  compatibility: {
    common_params: number
    source_only: number
    target_only: number
    merged: number
    kept_target: number
    shape_mismatches: Array<{name: string; source: number[]; target: number[]}>
    dtype_mismatches: Array<{name: string; source: string; target: string}>
    /** Tensors with NaN/Inf values, left out of the scores (only with --allow-nonfinite). */
    nonfinite_tensors: string[]
  }
  /** The CMAAM analysis (scores, sensitivities, α tables); null for a linear merge without --analyze. */
  analysis: CmaamReport | null
  alphas: AlphaBreakdown
  alphas_path?: string
  /** ONNX variants written by `--onnx-template` (files relative to the output; details in onnx/cmaam_onnx_report.json). */
  onnx?: {template: string; dtypes: string[]; files: string[]}
  files: {weights: string[]; total_size: number; copied: string[]}
  timing: {seconds: number; statistics_seconds: number; merge_seconds: number}
}
