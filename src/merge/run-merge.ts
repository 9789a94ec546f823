import {readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import type {ProgressFactory} from '../cli/progress'
import {createWorkerPool} from '../compute/worker-pool'
import {copyModelFiles} from '../io/output/copy-model-files'
import {createStaging} from '../io/output/create-staging'
import {INDEX_FILE} from '../io/safetensors/names'
import type {GroupingCompat} from './analysis/layer-groups'
import {analyzePairs} from './analysis/analyze'
import {resolveAlphaOptions} from './analysis/options'
import type {AlphaOptions, CmaamAnalysis} from './analysis/types'
import {alphaBreakdown} from './alpha-breakdown'
import {collectStatistics} from './collect-statistics'
import {openModels} from './open-models'
import {planMerge, type OutputDtype} from './plan-merge'
import {writeMerged} from './write-merged'
import {buildModelCard} from '../report/model-card'
import type {MergeRecord} from '../report/merge-record'
import {torchDtypeName} from '../report/torch-dtype-name'
import {writeJsonFile} from '../report/write-json-file'
import {writeFileSynced} from '../io/output/write-file-synced'
import {CMAAM_VERSION} from '../version'
import {CmaamError} from '../errors'
import {applyOnnx} from '../onnx/apply-onnx'
import type {OnnxDtype} from '../onnx/onnx-variants'

export type MergeMethod = 'cmaam' | 'linear'

export interface MergeSettings {
  /** Local folders of the two models. */
  source: string
  target: string
  output: string
  /** How reports name the inputs (the folder or Hub repo id the user gave); defaults to the folders. */
  labels?: {source: string; target: string; hubIds: boolean; revisions?: {source?: string; target?: string}}
  method: MergeMethod
  /** The constant α of `--method linear`. */
  linearAlpha: number
  alpha: Partial<AlphaOptions>
  modelType: string
  compat: GroupingCompat
  seed: number
  dtype: OutputDtype
  maxShardBytes: number
  force: boolean
  allowNonfinite: boolean
  threads: number
  /** Run the CMAAM analysis (always done for the cmaam method) and write cmaam_analysis_report.json. */
  analyze: boolean
  saveAlphas: boolean
  progress: ProgressFactory
  /** Arguments after `cmaam` that reproduce this merge, for the model card. */
  reproduce: string
  /** Text of a `cmaam_config.yaml` to write beside the card (`cmaam merge --config` replays it). */
  config?: string
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
 * A whole merge: open both models (headers only), plan, pass 1 (statistics, CMAAM only), pass 2
 * (write), then config/tokenizer files, reports and the model card — all in a staging folder that
 * replaces the output only once everything is on disk.
 */
export async function runMerge(settings: MergeSettings): Promise<MergeRecord> {
  const started = Date.now()
  const alphaOptions = resolveAlphaOptions(settings.alpha)
  if (settings.method === 'linear' && !(settings.linearAlpha >= 0 && settings.linearAlpha <= 1)) {
    throw new CmaamError(`--alpha must be a number in [0, 1], got ${settings.linearAlpha}`)
  }
  const models = await openModels({source: settings.source, target: settings.target, modelType: settings.modelType})
  const plan = planMerge(models.source, models.target, models.adapter, settings.dtype)
  const staging = await createStaging(settings.output, {force: settings.force, inputs: [models.source.dir, models.target.dir]})
  const pool = createWorkerPool({threads: settings.threads})
  try {
    let analysis: CmaamAnalysis | null = null
    if (settings.method === 'cmaam' || settings.analyze) {
      const pairs = await collectStatistics(plan, pool, settings)
      analysis = analyzePairs(pairs, plan.bridgeCounts, alphaOptions)
    }
    const statisticsDone = Date.now()
    const alphas =
      settings.method === 'cmaam'
        ? analysis!.alphas
        : new Map(plan.tensors.filter((t) => t.action === 'merge').map((t) => [t.name, settings.linearAlpha]))

    const layout = await writeMerged(plan, pool, {
      dir: staging.dir,
      alphas,
      maxShardBytes: settings.maxShardBytes,
      allowNonfinite: settings.allowNonfinite,
      progress: settings.progress,
    })
    await pool.close()
    if (layout.index) await writeJsonFile(join(staging.dir, INDEX_FILE), layout.index)
    const copied = await copyModelFiles(models.target.dir, staging.dir, {
      dtype: settings.dtype === 'keep' ? undefined : torchDtypeName(settings.dtype),
    })

    const labels = settings.labels ?? {source: settings.source, target: settings.target, hubIds: false}
    const record: MergeRecord = {
      timestamp: new Date().toISOString(),
      cmaam_version: CMAAM_VERSION,
      source: labels.source,
      target: labels.target,
      output: resolve(settings.output),
      ...(labels.revisions ? {revisions: labels.revisions} : {}),
      config: {
        method: settings.method,
        base_alpha: settings.method === 'cmaam' ? alphaOptions.baseAlpha : settings.linearAlpha,
        strategy: settings.method === 'cmaam' ? alphaOptions.strategy : null,
        model_type: models.adapter.name,
        model_type_reason: models.adapterReason,
        compat: settings.compat,
        seed: settings.seed,
        dtype: settings.dtype === 'keep' ? 'keep' : settings.dtype.toLowerCase(),
        min_alpha: alphaOptions.minAlpha,
        max_alpha: alphaOptions.maxAlpha,
        component_alpha: alphaOptions.componentBaseAlpha as Record<string, number>,
        shard_size: settings.maxShardBytes,
      },
      compatibility: {
        common_params: plan.commonKeys,
        source_only: plan.sourceOnly.length,
        target_only: plan.targetOnly.length,
        merged: alphas.size,
        kept_target: plan.tensors.filter((t) => t.action === 'keep-target').length,
        shape_mismatches: plan.shapeMismatches,
        dtype_mismatches: plan.dtypeMismatches,
        nonfinite_tensors: analysis?.nonFiniteTensors ?? [],
      },
      analysis: analysis?.report ?? null,
      alphas: alphaBreakdown(plan, alphas),
      files: {
        weights: layout.shards.map((s) => s.fileName),
        total_size: layout.shards.reduce((sum, s) => sum + s.tensors.reduce((n, t) => n + t.byteLength, 0), 0),
        copied,
      },
      timing: {
        seconds: (Date.now() - started) / 1000,
        statistics_seconds: (statisticsDone - started) / 1000,
        merge_seconds: (Date.now() - statisticsDone) / 1000,
      },
    }
    if (settings.onnx) {
      const {resolved} = settings.onnx
      if (!resolved) throw new Error('runMerge: the ONNX template must be resolved to a folder first')
      const onnx = await applyOnnx({
        weights: staging.dir,
        template: resolved.dir,
        templateLabel: resolved.label,
        output: join(staging.dir, 'onnx'),
        reportPaths: {weights: resolve(settings.output), output: join(resolve(settings.output), 'onnx')},
        dtypes: settings.onnx.dtypes,
        allowUnmapped: false,
        force: false,
        modelType: models.adapter.name,
        progress: settings.progress,
      })
      record.onnx = {template: resolved.label, dtypes: onnx.dtypes, files: onnx.files.map((file) => `onnx/${file.file}`)}
      record.files.copied.push(...onnx.copied_files)
    }
    if (settings.saveAlphas) {
      record.alphas_path = 'cmaam_alphas.json'
      await writeJsonFile(join(staging.dir, record.alphas_path), {
        config: {base_alpha: record.config.base_alpha, strategy: record.config.strategy, model_type: record.config.model_type, method: settings.method},
        alphas: Object.fromEntries(alphas),
        statistics: record.alphas.overall,
      })
    }
    await writeJsonFile(join(staging.dir, 'cmaam_merge_info.json'), record)
    if (settings.analyze) await writeJsonFile(join(staging.dir, 'cmaam_analysis_report.json'), record)
    const targetCard = await readFile(join(models.target.dir, 'README.md'), 'utf8').catch(() => null)
    const modelType = typeof models.targetConfig?.model_type === 'string' ? models.targetConfig.model_type : null
    await writeFileSynced(
      join(staging.dir, 'README.md'),
      buildModelCard(record, {modelType, targetCard, reproduce: settings.reproduce, hubIds: labels.hubIds}),
    )
    if (settings.config !== undefined) await writeFileSynced(join(staging.dir, 'cmaam_config.yaml'), settings.config)
    await staging.commit()
    return record
  } finally {
    await pool.close()
    await staging.discard()
  }
}

