import type {Device} from '../compute/device/device'
import type {AlphaBreakdown} from '../merge/alpha-breakdown'
import type {CmaamReport} from '../merge/analysis/types'
import type {MergeCoverage} from '../merge/check-coverage'
import type {OutcomeCounts} from '../merge/outcome-counts'
import type {MethodName, ParamName, RescaleMode} from '../merge/methods/types'
import type {Component} from '../models/types'

/** How one component was merged: its method and the parameters that method reads. */
export interface ComponentMethodRecord {
  method: MethodName
  /** A number, or the flag text of a gradient or module filters (`[0.2,0.8],self_attn=0.3`). */
  params: Partial<Record<ParamName, number | string>>
  /** wᵢ per source (a number or a gradient's flag text) and --normalize, for the task-vector methods. */
  weights?: Array<number | string>
  normalize?: boolean
  /** How DARE rescaled the kept entries. */
  rescale?: RescaleMode
  /** The method's weight parameter (α, t or λ) is each tensor's CMAAM α. */
  alpha_from_cmaam?: boolean
}

/**
 * Everything known about one merge: written as `cmaam_merge_info.json` (and, with `--analyze`,
 * `cmaam_analysis_report.json`), printed with `--json`, and rendered into the model card. Keys
 * that the reference implementation writes keep its names (`timestamp`, `config.base_alpha`,
 * `compatibility.common_params`, `analysis.alignment` …).
 */
export interface MergeRecord {
  timestamp: string
  cmaam_version: string
  /** The (first) source and the target as the user named them (a folder or a Hub repo id). */
  source: string
  /** Every source, in --source order. */
  sources: string[]
  target: string
  output: string
  /** Hub revisions the inputs resolved to, when they came from the Hub. */
  revisions?: {source?: string; target?: string}
  /** Where onnxruntime ran the spectra and LoRA products (`--device`, resolved); the weights are the same on every device. */
  device: Device
  config: {
    /** `--method` as given: one method, or a default and per-component entries (`ties,vision=keep-target`). */
    method: string
    /** The method and parameters each component was merged with. */
    methods: Record<Component, ComponentMethodRecord>
    /** `cmaam` when each tensor's CMAAM α set its method's weight parameter. */
    alpha_from: 'cmaam' | null
    /** α₀ for CMAAM; the constant α for the linear method; null for other methods. */
    base_alpha: number | null
    strategy: string | null
    model_type: string
    model_type_reason: string
    compat: 'default' | 'reference'
    seed: number
    dtype: string
    min_alpha: number
    max_alpha: number
    /** α₀ per component: a number, or a gradient over the component's layers. */
    component_alpha: Record<string, number | readonly number[]>
    shard_size: number
  }
  compatibility: {
    common_params: number
    source_only: number
    target_only: number
    /** Tensors combined by their component's method. */
    merged: number
    /** Tensors that are the target's: not mergeable, or of a keep-target component. */
    kept_target: number
    /** Tensors of a keep-source component: the source's. */
    kept_source: number
    /** The same counts per component. */
    components: Record<Component, OutcomeCounts>
    shape_mismatches: Array<{name: string; source: number[]; target: number[]}>
    dtype_mismatches: Array<{name: string; source: string; target: string}>
    /** Tensors with NaN/Inf values, left out of the scores (only with --allow-nonfinite). */
    nonfinite_tensors: string[]
    /** Per component: tensors merged, kept from the target and copied from the one model that has them; together, every input tensor. */
    coverage: MergeCoverage
    /** Target tensors some sources have and others lack (the target's is kept). */
    missing_in_sources: string[]
    /** Embeddings and LM heads merged over their common rows only (a text-model source with another vocabulary size). */
    vocabulary_rows: Array<{name: string; target_rows: number; source_rows: number[]; merged_rows: number}>
    /** Sources that are text-only LLMs, mapped onto the target's language model, with the tensors left out. */
    text_sources: Array<{source: string; unmapped: string[]}>
  }
  /** The CMAAM analysis (scores, sensitivities, α tables); null when no method needed it and without --analyze. */
  analysis: CmaamReport | null
  /** The weight each merged tensor got (α for cmaam and linear, t for SLERP, λ for the task-vector methods, Model Stock's ratio). */
  alphas: AlphaBreakdown
  alphas_path?: string
  /** ONNX variants written by `--onnx-template` (files relative to the output; details in onnx/cmaam_onnx_report.json). */
  onnx?: {template: string; dtypes: string[]; files: string[]}
  /** `mergekit_config`: the same merge in mergekit's schema, when mergekit has an equal. */
  files: {weights: string[]; total_size: number; copied: string[]; mergekit_config?: string}
  timing: {seconds: number; statistics_seconds: number; merge_seconds: number}
}
