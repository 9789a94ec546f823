import {mkdir, readdir, readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {writeJsonFile} from '../report/write-json-file'
import {readPredictions, rewritePredictions} from './predictions-file'
import {resultsFile} from './results-file'
import {parseShard, shardOfItem} from './shard'
import {summarizePredictions} from './summarize-predictions'
import {settingsChanges} from './settings-changes'
import type {EvalMetrics, EvalResultsFile, EvalSelection, PredictionRecord} from './types'
import {writeComparison} from './write-comparison'

export interface CombineShardsOptions {
  /** Output folders of `cmaam eval --shard I/N` runs. */
  dirs: string[]
  output: string
}

export interface CombinedModel {
  model: string
  metrics: EvalMetrics
  shards: number
  files: {results: string; predictions: string}
}

interface ShardOutput {
  dir: string
  index: number
  count: number
  results: EvalResultsFile
  records: PredictionRecord[]
}

/**
 * Merges the outputs of `--shard 0/N` … `--shard N-1/N` into the files one unsharded run writes.
 * Every shard of every model must be there exactly once, made from the same data, selection and
 * settings; otherwise nothing is written and the error names the shards and folders at fault.
 */
export async function combineShards(options: CombineShardsOptions): Promise<{models: CombinedModel[]; comparison: EvalMetrics[]}> {
  if (options.dirs.some((dir) => resolve(dir) === resolve(options.output))) {
    throw new CmaamError(`--output ${options.output} is one of the shard folders being combined`, {hint: 'Combine into a new folder, e.g. --output eval_results.'})
  }
  const byModel = new Map<string, ShardOutput[]>()
  for (const dir of options.dirs) {
    const files = await readdir(dir).catch(() => {
      throw new CmaamError(`--combine folder not found: ${dir}`, {code: 'NOT_FOUND', hint: 'Pass the --output folders of the shard runs.'})
    })
    const names = files.filter((file) => file.endsWith('_results.json')).map((file) => file.slice(0, -'_results.json'.length))
    if (names.length === 0) throw new CmaamError(`${dir} holds no <model>_results.json`, {hint: 'A shard writes its results when it finishes: run (or resume) that shard to the end first.'})
    for (const model of names) {
      const output = await readShardOutput(dir, model)
      byModel.set(model, [...(byModel.get(model) ?? []), output])
    }
  }

  const combined: Array<{model: string; metrics: EvalMetrics; records: PredictionRecord[]; selection: EvalSelection; shards: ShardOutput[]}> = []
  for (const [model, shards] of byModel) {
    checkShards(model, shards)
    const records = shards.flatMap((s) => s.records).sort((a, b) => a.line - b.line)
    const first = shards[0].results.selection
    const selection: EvalSelection = {data: first.data, data_items: first.data_items, max_samples: first.max_samples, shard: null, items: records.length}
    combined.push({model, metrics: summarizePredictions(model, records), records, selection, shards})
  }

  await mkdir(options.output, {recursive: true})
  const models: CombinedModel[] = []
  for (const c of combined) {
    const settings = c.shards[0].results.settings
    const files = {results: join(options.output, `${c.model}_results.json`), predictions: join(options.output, `${c.model}_predictions.jsonl`)}
    await rewritePredictions(files.predictions, settings, c.records)
    await writeJsonFile(files.results, resultsFile({metrics: c.metrics, records: c.records, selection: c.selection, settings}))
    models.push({model: c.model, metrics: c.metrics, shards: c.shards.length, files})
  }
  const comparison = await writeComparison(options.output, models.map((m) => m.model))
  return {models, comparison}
}

async function readShardOutput(dir: string, model: string): Promise<ShardOutput> {
  const resultsPath = join(dir, `${model}_results.json`)
  let results: EvalResultsFile
  try {
    results = JSON.parse(await readFile(resultsPath, 'utf8')) as EvalResultsFile
  } catch (error) {
    throw new CmaamError(`Cannot read ${resultsPath}: ${(error as Error).message}`, {hint: 'Run that shard again (it resumes from its predictions).'})
  }
  if (!results.selection || results.selection.shard === null) {
    throw new CmaamError(`${resultsPath} is not the output of a --shard run`, {hint: 'Only outputs of `cmaam eval --shard I/N` runs can be combined.'})
  }
  const {index, count} = parseShard(results.selection.shard)
  const predictionsPath = join(dir, `${model}_predictions.jsonl`)
  const predictions = await readPredictions(predictionsPath)
  if (!predictions || predictions.records.length !== results.selection.items) {
    throw new CmaamError(`${predictionsPath} does not hold the ${results.selection.items} samples of shard ${index}/${count}`, {
      hint: 'The shard was run again and interrupted: resume it to the end, then combine.',
    })
  }
  for (const record of predictions.records) {
    if (shardOfItem(record.id, count) !== index) {
      throw new CmaamError(`${predictionsPath} holds item ${record.id}, which belongs to shard ${shardOfItem(record.id, count)}/${count}, not ${index}/${count}`, {
        hint: 'The folder mixes outputs of different shards: evaluate each shard into its own --output folder.',
      })
    }
  }
  return {dir, index, count, results, records: predictions.records}
}

function checkShards(model: string, shards: ShardOutput[]): void {
  const first = shards[0]
  for (const shard of shards.slice(1)) {
    const a = first.results
    const b = shard.results
    const differences = [
      shard.count !== first.count ? `--shard ?/${first.count} vs ?/${shard.count}` : '',
      a.selection.data_items !== b.selection.data_items ? `${a.selection.data_items} vs ${b.selection.data_items} data items` : '',
      a.selection.max_samples !== b.selection.max_samples ? `--max-samples ${a.selection.max_samples} vs ${b.selection.max_samples}` : '',
      ...settingsChanges(a.settings, b.settings, 'vs'),
    ].filter(Boolean)
    if (differences.length > 0) {
      throw new CmaamError(`Shards of ${model} in ${first.dir} and ${shard.dir} differ: ${differences.join(', ')}`, {hint: 'Combine only shards of one evaluation (same data, --max-samples, --dtype, --max-new-tokens, model and backend).'})
    }
  }
  const seen = new Map<number, string>()
  for (const shard of shards) {
    const other = seen.get(shard.index)
    if (other !== undefined) throw new CmaamError(`Shard ${shard.index}/${shard.count} of ${model} is in both ${other} and ${shard.dir}`, {hint: 'Pass each shard folder once.'})
    seen.set(shard.index, shard.dir)
  }
  const missing = Array.from({length: first.count}, (_, i) => i).filter((i) => !seen.has(i))
  if (missing.length > 0) {
    throw new CmaamError(`Missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${first.count}`).join(', ')} of ${model}`, {
      code: 'NOT_FOUND',
      hint: `Pass the output folders of all ${first.count} shards (or run the missing ones first).`,
    })
  }
}
