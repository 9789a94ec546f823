import type {MomentStats} from '../../compute/moments'
import type {Component} from '../../models/types'
import type {ParamValue} from '../methods/types'

/** Top-k singular values (descending) of a bridge tensor reshaped to [shape0, −1], for both models. */
export interface PairSpectra {
  source: Float64Array
  target: Float64Array
}

/**
 * Everything the analysis needs about one tensor present in both models with equal shapes and a
 * float dtype. Produced by the streaming engine, one record per key, in name order.
 */
export interface TensorPairStats {
  name: string
  component: Component
  /** Layer-group key (see `groupKey`). */
  group: string
  /** Whether the group carries a layer index (only indexed groups enter the per-layer GFS). */
  indexed: boolean
  shape: number[]
  source: MomentStats
  target: MomentStats
  /** Wasserstein-1 distance between the two value samples (spec §3, PDA). */
  w1: number
  /** Σ S·T over the flattened tensors; bridge tensors only, otherwise null. */
  dot: number | null
  /** Top-k singular values; bridge tensors with ≥ 2 dims only, otherwise null. */
  spectra: PairSpectra | null
}

/**
 * Bridge key counts for CMBC coverage (spec §3). Counted over all keys of each model, like the
 * reference: `commonBridgeKeys` includes keys whose shapes differ.
 */
export interface BridgeKeyCounts {
  bridgeKeysSource: number
  bridgeKeysTarget: number
  commonBridgeKeys: number
  bridgeKeysUnion: number
}

export type MergeStrategy = 'basic' | 'layerwise' | 'component' | 'full'
export const MERGE_STRATEGIES: readonly MergeStrategy[] = ['basic', 'layerwise', 'component', 'full']

export interface AlphaOptions {
  /** α₀, `--base-alpha`, in [0, 1]. */
  baseAlpha: number
  strategy: MergeStrategy
  /** `--min-alpha`; every per-tensor α is clamped to [minAlpha, maxAlpha]. */
  minAlpha: number
  /** `--max-alpha`. */
  maxAlpha: number
  /** Per-component α₀ overrides for the component α (spec §5: α₀[c] defaults to α₀); a gradient gives each layer its own α₀[c]. */
  componentBaseAlpha: Partial<Record<Component, ParamValue>>
}

export const DEFAULT_ALPHA_OPTIONS: Readonly<AlphaOptions> = Object.freeze({
  baseAlpha: 0.5,
  strategy: 'full',
  minAlpha: 0.05,
  maxAlpha: 0.95,
  componentBaseAlpha: {},
})

// ---- Report shapes: key names follow the reference's JSON (analysis report / merge info). ----

/** PDA per component (only components that have tensors) and `overall` (absent when no tensors). */
export type PdaScores = Partial<Record<Component | 'overall', number>>

/** GFS per component (only components that have tensors), layer statistics, overall. */
export type GfsScores = Partial<Record<Component | 'layer_mean' | 'layer_std' | 'overall', number>>

export interface CmbcScores {
  /** Mean mapped cosine over bridge pairs; 0.5 in the no-common-bridge-keys case; absent when no pair had usable norms. */
  coherence?: number
  /** Population std of the per-tensor coherence scores. */
  coherence_std?: number
  /** Mean spectral similarity over bridge pairs with ≥ 2 dims. */
  spectral?: number
  coverage: number
  n_params: number
  /** Absent only in the no-common-bridge-keys case (then 0.5 is used downstream). */
  overall?: number
  warning?: string
}

export interface AlignmentReport {
  pda: PdaScores
  gfs: GfsScores
  cmbc: CmbcScores
  overall: {score: number}
  component_scores: Record<Component, number>
}

export interface GroupSensitivity {
  vision: number
  language: number
  importance: number
}

/** Per layer group (keyed by `groupKey`), in natural key order. */
export type SensitivityTable = Record<string, GroupSensitivity>

export interface AlphaSummary {
  mean: number
  /** Population standard deviation. */
  std: number
  min: number
  max: number
}

/** The JSON-ready analysis (strict JSON: every number finite). */
export interface CmaamReport {
  alignment: AlignmentReport
  source_sensitivity: SensitivityTable
  target_sensitivity: SensitivityTable
  /** Layer α per group before clamping (spec §5). */
  layer_alphas: Record<string, number>
  /** Component α for all four components before clamping. */
  component_alphas: Record<Component, number>
  /** Basic α before clamping. */
  basic_alpha: number
  /** Summary of the per-tensor (clamped) α actually used. */
  computed_alphas: AlphaSummary
}

export interface CmaamAnalysis {
  report: CmaamReport
  /** α per tensor name (clamped), in name order. */
  alphas: Map<string, number>
  /**
   * Pairs left out of every score because a statistic was not finite (NaN/Inf weights). They still
   * get an α (from their component, or α₀ for a group that has no usable tensor).
   */
  nonFiniteTensors: string[]
}
