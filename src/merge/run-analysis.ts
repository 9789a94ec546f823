import type {ProgressFactory} from '../progress'
import type {Device} from '../compute/device/device'
import {createWorkerPool} from '../compute/worker-pool'
import type {GroupingCompat} from './analysis/layer-groups'
import {analyzePairs} from './analysis/analyze'
import {layerPositions} from './tower-layers'
import {resolveAlphaOptions} from './analysis/options'
import type {AlphaOptions, CmaamReport} from './analysis/types'
import {alphaBreakdown, type AlphaBreakdown} from './alpha-breakdown'
import {collectStatistics} from './collect-statistics'
import {mapTextModel} from './map-text-model'
import {resolveMethods, type MethodSettings} from './methods/resolve-methods'
import {openModels} from './open-models'
import {methodRecords} from './methods/method-records'
import type {ComponentMethodRecord} from '../report/merge-record'
import type {Component} from '../models/types'
import {planMerge} from './plan-merge'
import type {ModelTypeAdapter} from '../models/types'
import {unmatchedNames, type UnmatchedGroup} from '../models/unmatched-names'

export interface AnalysisSettings {
  /** The fine-tunes; the analysis compares the first with the target (a text-only LLM is mapped onto its language model). */
  sources: string[]
  target: string
  /** The merge methods to show per component. */
  methods: MethodSettings
  alpha: Partial<AlphaOptions>
  modelType: string
  /** An adapter from `--adapter FILE`, used instead of detection. */
  adapter?: ModelTypeAdapter
  compat: GroupingCompat
  seed: number
  allowNonfinite: boolean
  /** Analyse a source of another model family than the target (by matching names), with a warning. */
  allowFamilyMismatch?: boolean
  /** Warnings that are not errors (e.g. differing model_type within a family). */
  warn?: (message: string) => void
  threads: number
  /** Where onnxruntime runs the spectra (already resolved from `auto`). */
  device: Device
  progress: ProgressFactory
}

export interface AnalysisRecord {
  source: string
  sources: string[]
  target: string
  model_type: string
  model_type_reason: string
  /** No adapter recognised the target: the generic rules classified it. */
  model_type_fallback: boolean
  /** The target's names that no rule recognises (they count as language) or only a catch-all does, grouped by prefix. */
  unmatched: UnmatchedGroup[]
  /** Where onnxruntime ran the spectra (`--device`, resolved); the scores agree within 1e-6 on every device. */
  device: Device
  config: {base_alpha: number; strategy: string; compat: GroupingCompat; seed: number; min_alpha: number; max_alpha: number; component_alpha: Record<string, number | readonly number[]>}
  compatibility: {common_params: number; source_only: number; target_only: number; shape_mismatches: number; dtype_mismatches: number}
  /** The method each component would be merged with. */
  methods: Record<Component, ComponentMethodRecord>
  analysis: CmaamReport
  alphas: AlphaBreakdown
  /** Tensors left out of the scores because of NaN/Inf values (only with --allow-nonfinite). */
  nonfinite_tensors: string[]
}

/** `cmaam analyze`: pass 1 and the CMAAM analysis, without writing a model. */
export async function runAnalysis(settings: AnalysisSettings): Promise<AnalysisRecord> {
  const alphaOptions = resolveAlphaOptions(settings.alpha)
  const methods = resolveMethods(settings.methods, settings.sources.length)
  const models = await openModels({
    sources: settings.sources.slice(0, 1),
    target: settings.target,
    modelType: settings.modelType,
    adapter: settings.adapter,
    device: settings.device,
    allowFamilyMismatch: settings.allowFamilyMismatch,
    warn: settings.warn,
  })
  const [first] = models.sources
  const source = models.textSources[0] ? mapTextModel(first, models.target, models.adapter).checkpoint : first
  const plan = planMerge([source], models.target, models.adapter, {dtype: 'keep', vocabularyRows: source !== first})
  const pool = createWorkerPool({threads: settings.threads})
  try {
    const analysis = analyzePairs(await collectStatistics(plan, pool, settings), plan.bridgeCounts, alphaOptions, layerPositions(plan.tensors))
    return {
      source: settings.sources[0],
      sources: settings.sources,
      target: settings.target,
      model_type: models.adapter.name,
      model_type_reason: models.adapterReason,
      model_type_fallback: models.adapterFallback,
      unmatched: unmatchedNames(models.adapter, models.target.tensors.keys()),
      device: settings.device,
      config: {
        base_alpha: alphaOptions.baseAlpha,
        strategy: alphaOptions.strategy,
        compat: settings.compat,
        seed: settings.seed,
        min_alpha: alphaOptions.minAlpha,
        max_alpha: alphaOptions.maxAlpha,
        component_alpha: alphaOptions.componentBaseAlpha,
      },
      compatibility: {
        common_params: plan.commonKeys,
        source_only: plan.sourceOnly.length,
        target_only: plan.targetOnly.length,
        shape_mismatches: plan.shapeMismatches.length,
        dtype_mismatches: plan.dtypeMismatches.length,
      },
      methods: methodRecords(methods),
      analysis: analysis.report,
      alphas: alphaBreakdown(plan, analysis.alphas),
      nonfinite_tensors: analysis.nonFiniteTensors,
    }
  } finally {
    await pool.close()
  }
}
