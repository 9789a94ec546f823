import {mkdir, stat} from 'node:fs/promises'
import {dirname, isAbsolute, join, resolve} from 'node:path'
import {silentProgress, type ProgressFactory} from '../progress'
import {CmaamError} from '../errors'
import {writeJsonFile} from '../report/write-json-file'
import type {AnsweringModel, EvalBackend, PreparedModel} from './backends/types'
import type {EvalDevice} from './eval-model'
import {containsMatch, exactMatch} from './metrics'
import {appendPrediction, readPredictions, rewritePredictions, startPredictions} from './predictions-file'
import {evalDataFile} from './eval-data-file'
import {readEvalData} from './read-eval-data'
import {modelFileName, resultsFile} from './results-file'
import {runPool} from './run-pool'
import {selectItems} from './select-items'
import {formatShard, type Shard} from './shard'
import {settingsChanges} from './settings-changes'
import type {EvalBackendName, EvalItem, EvalMetrics, EvalSelection, PredictionRecord} from './types'
import {summarizePredictions} from './summarize-predictions'
import {writeComparison} from './write-comparison'

export interface RunEvalOptions {
  /** What each backend takes as a model: folders, Hub repos `org/name[@revision]`, or served model ids. */
  models: string[]
  data: string
  /** The models `comparison.md` shows, by result name (default: this run's); the folder's other results go in a section of their own. */
  comparisonModels?: string[]
  /** Folder image paths are relative to; default: the data file's folder. */
  images?: string
  output: string
  maxSamples?: number
  shard?: Shard
  /** Discard earlier predictions instead of resuming. */
  restart?: boolean
  /** What answers: transformers.js, an endpoint, or a started server (src/eval/backends). */
  backend: EvalBackend
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
  /** What produced the answers. */
  backend: EvalBackendName
  /** Where transformers.js ran the models; null for a server. */
  device: EvalDevice | null
}

/**
 * Evaluates each model on the selected items: resumes from its predictions file, asks the rest
 * (several at once where the backend allows, appending each answer as it comes), then writes its
 * results and the comparison of every model in the output folder.
 */
export async function runEval(options: RunEvalOptions): Promise<EvalRun> {
  const progress = options.progress ?? silentProgress
  const data = await evalDataFile(options.data)
  const all = await readEvalData(data)
  const items = selectItems(all, {maxSamples: options.maxSamples, shard: options.shard})
  const selection: EvalSelection = {
    data,
    data_items: all.length,
    max_samples: options.maxSamples ?? null,
    shard: options.shard ? formatShard(options.shard) : null,
    items: items.length,
  }
  const imageDir = resolve(options.images ?? dirname(resolve(data)))
  const names = uniqueFileNames(options.models)
  await mkdir(options.output, {recursive: true})

  const evaluations: ModelEvaluation[] = []
  for (const ref of options.models) {
    const prepared = await options.backend.prepare(ref)
    const name = names.get(ref)!
    evaluations.push(await evaluateModel({...options, name, prepared, items, selection, imageDir, progress}))
  }
  const comparison = await writeComparison(options.output, options.comparisonModels ?? evaluations.map((e) => e.model))
  return {models: evaluations, comparison, selection, backend: options.backend.name, device: options.backend.device}
}

/** Output file names per model; two models that would write the same files are refused. */
function uniqueFileNames(models: string[]): Map<string, string> {
  const names = new Map<string, string>()
  const owners = new Map<string, string>()
  for (const model of models) {
    const name = modelFileName(model)
    const other = owners.get(name)
    if (other !== undefined) throw new CmaamError(`--model ${other} and --model ${model} would both write ${name}_results.json`, {hint: 'Evaluate them into different --output folders.'})
    owners.set(name, model)
    names.set(model, name)
  }
  return names
}

interface ModelRun {
  name: string
  prepared: PreparedModel
  items: EvalItem[]
  selection: EvalSelection
  imageDir: string
  output: string
  restart?: boolean
  progress: ProgressFactory
}

/** One model: earlier predictions, the items still to ask, then its predictions and results files. */
async function evaluateModel(run: ModelRun): Promise<ModelEvaluation> {
  const {name, prepared, items} = run
  const settings = prepared.settings
  const predictionsPath = join(run.output, `${name}_predictions.jsonl`)
  const done = new Map<string, PredictionRecord>()
  const previous = run.restart ? null : await readPredictions(predictionsPath)
  if (previous) {
    const changed = settingsChanges(previous.settings, settings)
    if (changed.length > 0) {
      throw new CmaamError(`${predictionsPath} was made with other settings (${changed.join(', ')})`, {
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
    const model = await prepared.open({serverLog: join(run.output, `${name}_server.log`)})
    const bar = run.progress(`eval ${name}`, todo.length, {unit: 'samples'})
    try {
      await runPool(todo, model.concurrency, async (item) => {
        const record = await askItem(model, item, run.imageDir)
        await appendPrediction(predictionsPath, record)
        done.set(item.id, record)
        bar.advance(1)
      })
    } finally {
      await model.dispose()
    }
    bar.done()
  }

  const records = items.map((item) => done.get(item.id)!)
  await rewritePredictions(predictionsPath, settings, records)
  const metrics = summarizePredictions(name, records)
  const resultsPath = join(run.output, `${name}_results.json`)
  await writeJsonFile(resultsPath, resultsFile({metrics, records, selection: run.selection, settings}))
  return {model: name, metrics, asked: todo.length, resumed: items.length - todo.length, files: {results: resultsPath, predictions: predictionsPath}}
}

/** Answers one item, or says why it was skipped: a missing or unreadable image, or a request the server rejected. */
async function askItem(model: AnsweringModel, item: EvalItem, imageDir: string): Promise<PredictionRecord> {
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
  const answer = await model.answer(item.question, images)
  const seconds = (performance.now() - started) / 1000
  if ('rejected' in answer) return {id: item.id, line: item.line, skipped: 'request_error', detail: answer.rejected}
  return {
    id: item.id,
    line: item.line,
    question: item.question,
    gold: item.gold,
    pred: answer.text,
    exact_match: exactMatch(answer.text, item.gold),
    contains_match: containsMatch(answer.text, item.gold),
    category: item.category,
    new_tokens: answer.newTokens,
    seconds,
  }
}
