import {mkdir, readdir, stat} from 'node:fs/promises'
import {dirname, isAbsolute, join, resolve} from 'node:path'
import {silentProgress, type ProgressFactory} from '../progress'
import {CmaamError} from '../errors'
import {resolveModelInput} from '../hub/resolve-model-input'
import type {HubSettings} from '../hub/types'
import {writeJsonFile} from '../report/write-json-file'
import {containsMatch, exactMatch} from './metrics'
import type {EvalDevice, EvalDtype, EvalModel} from './eval-model'
import {onnxModelFiles, selectOnnxModelFiles} from './onnx-model-files'
import {appendPrediction, readPredictions, rewritePredictions, startPredictions} from './predictions-file'
import {readEvalData} from './read-eval-data'
import {modelFileName, resultsFile} from './results-file'
import {selectItems} from './select-items'
import {formatShard, type Shard} from './shard'
import type {EvalItem, EvalMetrics, EvalSelection, EvalSettings, PredictionRecord} from './types'
import {summarizePredictions} from './summarize-predictions'
import {writeComparison} from './write-comparison'

export interface RunEvalOptions {
  /** Model folders (with `onnx/`) or Hub repos `org/name[@revision]`. */
  models: string[]
  data: string
  /** Folder image paths are relative to; default: the data file's folder. */
  images?: string
  output: string
  maxSamples?: number
  shard?: Shard
  maxNewTokens: number
  device: EvalDevice
  dtype: EvalDtype
  /** Discard earlier predictions instead of resuming. */
  restart?: boolean
  settings: () => HubSettings
  /** Opens a model; transformers.js by default (tests may pass another runner). */
  loadModel: (options: {dir: string; device: EvalDevice; dtype: EvalDtype; maxNewTokens: number}) => Promise<EvalModel>
  progress?: ProgressFactory
}

export interface ModelEvaluation {
  model: string
  metrics: EvalMetrics
  /** Samples answered or skipped by this run, and those taken from earlier predictions. */
  asked: number
  resumed: number
  files: {results: string; predictions: string}
}

export interface EvalRun {
  models: ModelEvaluation[]
  /** Every model with results in the output folder, as comparison.json lists them. */
  comparison: EvalMetrics[]
  selection: EvalSelection
  /** Where transformers.js ran the models. */
  device: EvalDevice
}

/**
 * Evaluates each model on the selected items: resumes from its predictions file, asks the rest
 * one by one (appending each answer as it comes), then writes its results and the comparison of
 * every model in the output folder.
 */
export async function runEval(options: RunEvalOptions): Promise<EvalRun> {
  const progress = options.progress ?? silentProgress
  const all = await readEvalData(options.data)
  const items = selectItems(all, {maxSamples: options.maxSamples, shard: options.shard})
  const selection: EvalSelection = {
    data: options.data,
    data_items: all.length,
    max_samples: options.maxSamples ?? null,
    shard: options.shard ? formatShard(options.shard) : null,
    items: items.length,
  }
  const imageDir = resolve(options.images ?? dirname(resolve(options.data)))
  const names = new Map<string, string>()
  for (const model of options.models) {
    const name = modelFileName(model)
    const other = names.get(name)
    if (other !== undefined) throw new CmaamError(`--model ${other} and --model ${model} would both write ${name}_results.json`, {hint: 'Evaluate them into different --output folders.'})
    names.set(name, model)
  }
  await mkdir(options.output, {recursive: true})

  const evaluations: ModelEvaluation[] = []
  for (const [name, ref] of names) {
    const input = await resolveModelInput({ref, settings: options.settings, progress, select: selectOnnxModelFiles(ref, options.dtype)})
    if (!input.repo) await checkLocalModel(input.dir, options.dtype)
    // A Hub model is pinned to its commit: predictions of another commit are not resumed or combined.
    const settings: EvalSettings = {model: input.repo ? input.replay : input.label, dtype: options.dtype, max_new_tokens: options.maxNewTokens}
    const predictionsPath = join(options.output, `${name}_predictions.jsonl`)
    const done = new Map<string, PredictionRecord>()
    const previous = options.restart ? null : await readPredictions(predictionsPath)
    if (previous) {
      const changed = (Object.keys(settings) as (keyof EvalSettings)[]).filter((key) => previous.settings[key] !== settings[key])
      if (changed.length > 0) {
        throw new CmaamError(`${predictionsPath} was made with other settings (${changed.map((k) => `${k} ${previous.settings[k]} → ${settings[k]}`).join(', ')})`, {
          hint: 'Run again with --restart to discard those predictions, or use another --output folder.',
        })
      }
      const wanted = new Set(items.map((item) => item.id))
      for (const record of previous.records) if (wanted.has(record.id)) done.set(record.id, record)
    } else {
      await startPredictions(predictionsPath, settings)
    }

    const todo = items.filter((item) => !done.has(item.id))
    if (todo.length > 0) {
      const model = await options.loadModel({dir: input.dir, device: options.device, dtype: options.dtype, maxNewTokens: options.maxNewTokens})
      const bar = progress(`eval ${name}`, todo.length, {unit: 'samples'})
      try {
        for (const item of todo) {
          const record = await askItem(model, item, imageDir)
          await appendPrediction(predictionsPath, record)
          done.set(item.id, record)
          bar.advance(1)
        }
      } finally {
        await model.dispose()
      }
      bar.done()
    }

    const records = items.map((item) => done.get(item.id)!)
    await rewritePredictions(predictionsPath, settings, records)
    const metrics = summarizePredictions(name, records)
    const resultsPath = join(options.output, `${name}_results.json`)
    await writeJsonFile(resultsPath, resultsFile({metrics, records, selection, settings}))
    evaluations.push({model: name, metrics, asked: todo.length, resumed: items.length - todo.length, files: {results: resultsPath, predictions: predictionsPath}})
  }
  const comparison = await writeComparison(options.output, evaluations.map((e) => e.model))
  return {models: evaluations, comparison, selection, device: options.device}
}

/** Answers one item, or says why it was skipped: a missing or unreadable image never stops the run. */
async function askItem(model: EvalModel, item: EvalItem, imageDir: string): Promise<PredictionRecord> {
  const images: unknown[] = []
  for (const image of item.images) {
    const path = isAbsolute(image) ? image : join(imageDir, image)
    const isFile = await stat(path).then((s) => s.isFile(), () => false)
    if (!isFile) return {id: item.id, line: item.line, skipped: 'missing_image', detail: path}
    try {
      images.push(await model.readImage(path))
    } catch (error) {
      return {id: item.id, line: item.line, skipped: 'unreadable_image', detail: `${path}: ${error instanceof Error ? error.message : String(error)}`}
    }
  }
  const started = performance.now()
  const {text, newTokens} = await model.answer(item.question, images)
  const seconds = (performance.now() - started) / 1000
  return {
    id: item.id,
    line: item.line,
    question: item.question,
    gold: item.gold,
    pred: text,
    exact_match: exactMatch(text, item.gold),
    contains_match: containsMatch(text, item.gold),
    category: item.category,
    new_tokens: newTokens,
    seconds,
  }
}

/** A local model must hold a transformers.js export for the dtype: checked before the long load. */
async function checkLocalModel(dir: string, dtype: EvalDtype): Promise<void> {
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false)
  if (!isDir) throw new CmaamError(`Model folder not found: ${dir}`, {code: 'NOT_FOUND', hint: 'Pass a folder with config.json and onnx/, or a Hub repo id.'})
  const top = await readdir(dir)
  const onnx = await readdir(join(dir, 'onnx')).catch(() => [] as string[])
  onnxModelFiles([...top, ...onnx.map((file) => `onnx/${file}`)], dir, dtype)
}
