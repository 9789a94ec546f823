import {readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {createWorkerPool} from '../compute/worker-pool'
import {copyModelFiles} from '../io/output/copy-model-files'
import {createStaging} from '../io/output/create-staging'
import {describeRemovedStaging} from '../io/output/describe-removed-staging'
import {writeFailure} from '../io/output/write-failure'
import {checkInputsUnchanged, snapshotInputs} from '../io/checkpoint/input-snapshot'
import {tensorByteLength} from '../io/safetensors/tensor-byte-length'
import {INDEX_FILE} from '../io/safetensors/names'
import type {GroupingCompat} from './analysis/layer-groups'
import {analyzePairs} from './analysis/analyze'
import {resolveAlphaOptions} from './analysis/options'
import type {AlphaOptions, CmaamAnalysis} from './analysis/types'
import {alphaBreakdown} from './alpha-breakdown'
import {MERGEKIT_CONFIG_FILE} from './config/mergekit-config-yaml'
import {checkCoverage} from './check-coverage'
import {collectStatistics} from './collect-statistics'
import {genericFallbackError} from './generic-fallback-error'
import {mapTextModel} from './map-text-model'
import {methodRecords} from './methods/method-records'
import {describeMethods, PARAM_DEFAULTS, resolveMethods, type MethodSettings, type ResolvedMethods} from './methods/resolve-methods'
import {tensorParams} from './methods/tensor-params'
import type {MethodInputs, ParamValue} from './methods/types'
import {layerPositions, towerKey, towerLayers} from './tower-layers'
import {openModels} from './open-models'
import {outcomeCounts} from './outcome-counts'
import {planMerge, type PlannedTensor} from './plan-merge'
import {writeMerged} from './write-merged'
import {buildModelCard, type HubModels} from '../report/model-card'
import type {MergeRecord} from '../report/merge-record'
import {torchDtypeName} from '../report/torch-dtype-name'
import {writeJsonFile} from '../report/write-json-file'
import {writeFileSynced} from '../io/output/write-file-synced'
import {CMAAM_VERSION} from '../version'
import type {ModelTypeAdapter} from '../models/types'
import {unmatchedNames} from '../models/unmatched-names'
import type {Job} from '../compute/jobs'
import {applyOnnx} from '../onnx/apply-onnx'
import type {OnnxDtype} from '../onnx/onnx-variants'
import type {WriteSettings} from './write-settings'

/** The `--adapter` definition a merge used, written beside it so that `cmaam_config.yaml` replays with it. */
export const ADAPTER_FILE = 'cmaam_adapter.json'

export interface MergeSettings extends MethodSettings, WriteSettings {
  /** Local folders of the models: the fine-tunes (one or more; a text-only LLM is mapped onto the target's language model) and their base. */
  sources: string[]
  target: string
  /** How reports name the inputs (the folder or Hub repo id the user gave); defaults to the folders. Revisions: of the first source and the target. */
  labels?: {sources: string[]; target: string; hubIds: boolean; revisions?: {source?: string; target?: string}; hubModels?: HubModels}
  /** Options of the CMAAM analysis. */
  alpha: Partial<AlphaOptions>
  modelType: string
  /** An adapter from `--adapter FILE`: it wins over detection; its definition is written beside the model as cmaam_adapter.json. */
  adapter?: ModelTypeAdapter
  compat: GroupingCompat
  seed: number
  /** Run the CMAAM analysis (always done when a method needs it) and write cmaam_analysis_report.json. */
  analyze: boolean
  saveAlphas: boolean
  /** Merge a source of another model family than the target (by matching names), with a warning. */
  allowFamilyMismatch?: boolean
  /** Messages worth telling the user that are not errors (e.g. leftovers of a killed run removed). */
  notice?: (message: string) => void
  /** Warnings shown even with --quiet (e.g. differing model_type within a family). */
  warn?: (message: string) => void
  /** Text of a `cmaam_config.yaml` to write beside the card (`cmaam merge --config` replays it). */
  config?: string
  /** The same merge in mergekit's schema, written as mergekit_config.yml; null when mergekit has no equal. */
  mergekitConfig?: string | null
  /** After the merge, write the merged weights into this ONNX template as `onnx/` (see `cmaam onnx apply`). */
  onnx?: MergeOnnxStep
}

export interface MergeOnnxStep {
  /** The template as given (a folder or `org/name[@revision]`); what `cmaam_config.yaml` records once resolved. */
  ref: string
  dtypes: OnnxDtype[] | 'all'
  /** The local folder it resolved to (a Hub repo is downloaded by the caller), and how to name it: `org/name@<sha>`. */
  resolved?: {dir: string; label: string}
}

/**
 * A whole merge: open the models (headers only; a text-only LLM source renamed onto the target's
 * language model), plan, pass 1 (statistics, when a method needs the CMAAM analysis), pass 2 (each
 * tensor written by its component's method), then config/tokenizer files, reports and the model
 * card — all in a staging folder that replaces the output only once everything is on disk.
 */
export async function runMerge(settings: MergeSettings): Promise<MergeRecord> {
  const started = Date.now()
  const alphaOptions = resolveAlphaOptions(settings.alpha)
  const methods = resolveMethods(settings, settings.sources.length)
  const {models, text, plan, coverage} = await openAndPlan(settings)
  const inputs = await snapshotInputs([...models.sources.flatMap((s) => [...s.tensors.values()]), ...models.target.tensors.values()].map((t) => t.path))
  const staging = await createStaging(settings.output, {
    force: settings.force,
    inputs: [...models.sources.map((s) => s.dir), models.target.dir],
    neededBytes: plan.tensors.reduce((sum, t) => sum + tensorByteLength(t.outDtype, t.shape), 0),
  })
  const removed = describeRemovedStaging(staging.removedStale)
  if (removed) settings.notice?.(removed)
  const pool = createWorkerPool({threads: settings.threads})
  try {
    let analysis: CmaamAnalysis | null = null
    if (methods.needsAnalysis || settings.analyze) {
      const pairs = await collectStatistics(plan, pool, settings)
      analysis = analyzePairs(pairs, plan.bridgeCounts, alphaOptions, layerPositions(plan.tensors))
    }
    await checkInputsUnchanged(inputs)
    const statisticsDone = Date.now()
    // The weight each merged tensor gets: its method's α, t or λ (CMAAM's α where asked for).
    const alphas = new Map<string, number>()
    const mergeJob = mergeJobOf(methods, towerLayers(plan.tensors.map((t) => t.class)), settings.seed, analysis, alphas)

    const {layout, weights} = await writeMerged(plan, pool, {
      dir: staging.dir,
      mergeJob,
      maxShardBytes: settings.maxShardBytes,
      allowNonfinite: settings.allowNonfinite,
      progress: settings.progress,
    })
    await pool.close()
    for (const [name, weight] of weights) alphas.set(name, weight)
    if (layout.index) await writeJsonFile(join(staging.dir, INDEX_FILE), layout.index)
    const copied = await copyModelFiles(models.target.dir, staging.dir, {
      dtype: settings.dtype === 'keep' ? undefined : torchDtypeName(settings.dtype),
    })

    const labels = settings.labels ?? {sources: settings.sources, target: settings.target, hubIds: false}
    const record = mergeRecord({settings, labels, methods, alphaOptions, models, plan, coverage, text, analysis, alphas, layout, copied, started, statisticsDone})
    if (settings.onnx) await applyOnnxStep(settings, settings.onnx, staging.dir, models.adapter.name, record)
    await writeReports(settings, staging.dir, record, alphas, models, labels.hubModels ?? {sources: labels.sources.map(() => null), target: null})
    await checkInputsUnchanged(inputs)
    await staging.commit()
    return record
  } catch (error) {
    throw writeFailure(error, staging.dir) ?? error
  } finally {
    await pool.close()
    await staging.discard()
  }
}

/** Opens the models (headers only), maps text-only sources onto the target's language model, plans every tensor and checks that each input tensor has a place. */
async function openAndPlan(settings: MergeSettings) {
  const models = await openModels({
    sources: settings.sources,
    target: settings.target,
    modelType: settings.modelType,
    adapter: settings.adapter,
    device: settings.device,
    labels: settings.labels,
    allowFamilyMismatch: settings.allowFamilyMismatch,
    warn: settings.warn ?? settings.notice,
  })
  if (models.adapterFallback) {
    const model = settings.labels?.target ?? settings.target
    throw genericFallbackError({model, reason: models.adapterReason, unmatched: unmatchedNames(models.adapter, models.target.tensors.keys())})
  }
  const text = models.sources.map((source, i) => (models.textSources[i] ? mapTextModel(source, models.target, models.adapter) : null))
  const sources = models.sources.map((source, i) => text[i]?.checkpoint ?? source)
  const plan = planMerge(sources, models.target, models.adapter, {dtype: settings.dtype, vocabularyRows: text.some((t) => t !== null)})
  // A text source's unmapped tensors are left out on purpose (recorded in text_sources).
  const coverage = checkCoverage(plan, [{label: 'target', checkpoint: models.target}, ...sources.map((checkpoint, i) => ({label: sources.length === 1 ? 'source' : `source ${i + 1}`, checkpoint}))])
  return {models, text, plan, coverage}
}

/**
 * The job that merges one tensor with its component's method and the parameters resolved for that
 * tensor (`layers`: numbered blocks per tower, for gradients); records the weight it got in `alphas`.
 */
function mergeJobOf(methods: ResolvedMethods, layers: Map<string, number>, seed: number, analysis: CmaamAnalysis | null, alphas: Map<string, number>): (tensor: PlannedTensor, inputs: MethodInputs) => Job {
  return (tensor, inputs) => {
    const component = methods.components[tensor.class.component]
    const {method} = component
    const params = tensorParams(component, {name: tensor.name, layer: tensor.class.layer, layers: layers.get(towerKey(tensor.class)) ?? 0}, seed)
    if (method.weightParam !== null) {
      if (method.needsAnalysis || methods.alphaFrom === 'cmaam') params[method.weightParam] = analysis!.alphas.get(tensor.name)!
      alphas.set(tensor.name, params[method.weightParam])
    }
    return method.job(inputs, params)
  }
}

interface RecordParts {
  settings: MergeSettings
  labels: NonNullable<MergeSettings['labels']>
  methods: ResolvedMethods
  alphaOptions: ReturnType<typeof resolveAlphaOptions>
  models: Awaited<ReturnType<typeof openAndPlan>>['models']
  plan: Awaited<ReturnType<typeof openAndPlan>>['plan']
  coverage: Awaited<ReturnType<typeof openAndPlan>>['coverage']
  text: Awaited<ReturnType<typeof openAndPlan>>['text']
  analysis: CmaamAnalysis | null
  alphas: Map<string, number>
  layout: Awaited<ReturnType<typeof writeMerged>>['layout']
  copied: string[]
  started: number
  statisticsDone: number
}

/** `cmaam_merge_info.json`: settings, compatibility, analysis, α, files and timing of the merge. */
function mergeRecord({settings, labels, methods, alphaOptions, models, plan, coverage, text, analysis, alphas, layout, copied, started, statisticsDone}: RecordParts): MergeRecord {
  const single = Object.keys(settings.method.components).length === 0 ? settings.method.default : null
  const outcomes = outcomeCounts(plan, (component) => methods.components[component].method.name)
  const record: MergeRecord = {
    timestamp: new Date().toISOString(),
    cmaam_version: CMAAM_VERSION,
    source: labels.sources[0],
    sources: labels.sources,
    target: labels.target,
    output: resolve(settings.output),
    ...(labels.revisions ? {revisions: labels.revisions} : {}),
    device: settings.device,
    config: {
      method: describeMethods(settings.method),
      methods: methodRecords(methods),
      alpha_from: methods.alphaFrom,
      base_alpha: single === 'cmaam' ? alphaOptions.baseAlpha : single === 'linear' ? linearAlpha(settings.params.alpha?.default ?? PARAM_DEFAULTS.alpha) : null,
      strategy: methods.needsAnalysis ? alphaOptions.strategy : null,
      model_type: models.adapter.name,
      model_type_reason: models.adapterReason,
      compat: settings.compat,
      seed: settings.seed,
      dtype: settings.dtype === 'keep' ? 'keep' : settings.dtype.toLowerCase(),
      min_alpha: alphaOptions.minAlpha,
      max_alpha: alphaOptions.maxAlpha,
      component_alpha: alphaOptions.componentBaseAlpha,
      shard_size: settings.maxShardBytes,
    },
    compatibility: {
      common_params: plan.commonKeys,
      source_only: plan.sourceOnly.length,
      target_only: plan.targetOnly.length,
      merged: outcomes.total.merged,
      kept_target: outcomes.total.kept_target,
      kept_source: outcomes.total.kept_source,
      components: outcomes.components,
      shape_mismatches: plan.shapeMismatches,
      dtype_mismatches: plan.dtypeMismatches,
      nonfinite_tensors: analysis?.nonFiniteTensors ?? [],
      coverage,
      missing_in_sources: plan.missingInSources,
      vocabulary_rows: plan.vocabularyRows,
      text_sources: text.flatMap((t, i) => (t ? [{source: labels.sources[i], unmapped: t.unmapped}] : [])),
    },
    analysis: analysis?.report ?? null,
    alphas: alphaBreakdown(plan, alphas),
    files: {
      weights: layout.shards.map((s) => s.fileName),
      total_size: layout.shards.reduce((sum, s) => sum + s.tensors.reduce((n, t) => n + t.byteLength, 0), 0),
      copied,
      ...(settings.mergekitConfig ? {mergekit_config: MERGEKIT_CONFIG_FILE} : {}),
    },
    timing: {
      seconds: (Date.now() - started) / 1000,
      statistics_seconds: (statisticsDone - started) / 1000,
      merge_seconds: (Date.now() - statisticsDone) / 1000,
    },
  }
  return record
}

/** Writes the merged weights into the ONNX template as `onnx/` of the staged model, and records it. */
async function applyOnnxStep(settings: MergeSettings, step: MergeOnnxStep, dir: string, modelType: string, record: MergeRecord): Promise<void> {
  const {resolved} = step
  if (!resolved) throw new Error('runMerge: the ONNX template must be resolved to a folder first')
  const onnx = await applyOnnx({
    weights: dir,
    template: resolved.dir,
    templateLabel: resolved.label,
    output: join(dir, 'onnx'),
    reportPaths: {weights: resolve(settings.output), output: join(resolve(settings.output), 'onnx')},
    dtypes: step.dtypes,
    allowUnmapped: false,
    force: false,
    modelType,
    progress: settings.progress,
  })
  record.onnx = {template: resolved.label, dtypes: onnx.dtypes, files: onnx.files.map((file) => `onnx/${file.file}`)}
  record.files.copied.push(...onnx.copied_files)
}

/** cmaam_alphas.json (when asked for), cmaam_merge_info.json, the analysis report, the model card, the replayable config and the adapter definition. */
async function writeReports(settings: MergeSettings, dir: string, record: MergeRecord, alphas: Map<string, number>, models: Awaited<ReturnType<typeof openAndPlan>>['models'], hubModels: HubModels): Promise<void> {
  if (settings.saveAlphas) {
    record.alphas_path = 'cmaam_alphas.json'
    await writeJsonFile(join(dir, record.alphas_path), {
      config: {base_alpha: record.config.base_alpha, strategy: record.config.strategy, model_type: record.config.model_type, method: record.config.method},
      alphas: Object.fromEntries(alphas),
      statistics: record.alphas.overall,
    })
  }
  await writeJsonFile(join(dir, 'cmaam_merge_info.json'), record)
  if (settings.analyze) await writeJsonFile(join(dir, 'cmaam_analysis_report.json'), record)
  const targetCard = await readFile(join(models.target.dir, 'README.md'), 'utf8').catch(() => null)
  const modelType = typeof models.targetConfig?.model_type === 'string' ? models.targetConfig.model_type : null
  await writeFileSynced(
    join(dir, 'README.md'),
    buildModelCard(record, {modelType, targetCard, reproduce: settings.reproduce, hubModels}),
  )
  if (settings.config !== undefined) await writeFileSynced(join(dir, 'cmaam_config.yaml'), settings.config)
  if (settings.mergekitConfig) await writeFileSynced(join(dir, MERGEKIT_CONFIG_FILE), settings.mergekitConfig)
  if (settings.adapter !== undefined) await writeJsonFile(join(dir, ADAPTER_FILE), settings.adapter.definition)
}

/** The record's `base_alpha` of a linear merge: its α, unless a gradient makes it vary by layer. */
function linearAlpha(value: ParamValue): number | null {
  return typeof value === 'number' ? value : null
}
