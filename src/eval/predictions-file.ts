import {appendFile, readFile, rename} from 'node:fs/promises'
import {CmaamError} from '../errors'
import {writeFileSynced} from '../io/output/write-file-synced'
import type {EvalSettings, PredictionRecord} from './types'

/** The first line of a predictions file: the settings its predictions were made with. */
interface Header {
  cmaam_eval: EvalSettings
}

/**
 * `<model>_predictions.jsonl`: a header line, then one record per sample, appended as each is
 * made, so an interrupted run loses at most the sample in flight.
 */
export async function readPredictions(path: string): Promise<{settings: EvalSettings; records: PredictionRecord[]} | null> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw error
  })
  if (text === null || text.trim() === '') return null
  const lines = text.split('\n')
  // A run killed mid-write leaves a partial last line: that sample is simply asked again.
  if (!text.endsWith('\n')) lines.pop()
  const parsed = lines.filter((line) => line.trim() !== '').map((line, i) => {
    try {
      return JSON.parse(line) as unknown
    } catch {
      throw new CmaamError(`${path}:${i + 1} is not valid JSON`, {hint: 'The predictions file was edited or damaged: run again with --restart to redo this model.'})
    }
  })
  const header = parsed[0] as Header | undefined
  if (!header || typeof header !== 'object' || !('cmaam_eval' in header)) {
    throw new CmaamError(`${path} is not a cmaam predictions file (no header line)`, {hint: 'Move it away, or run again with --restart to replace it.'})
  }
  return {settings: header.cmaam_eval, records: parsed.slice(1) as PredictionRecord[]}
}

/** Starts a predictions file with its header (replacing any old one). */
export async function startPredictions(path: string, settings: EvalSettings): Promise<void> {
  await writeFileSynced(path, JSON.stringify({cmaam_eval: settings} satisfies Header) + '\n')
}

export async function appendPrediction(path: string, record: PredictionRecord): Promise<void> {
  await appendFile(path, JSON.stringify(record) + '\n')
}

/** Rewrites the file with exactly `records` (a finished run's samples, in data order), atomically. */
export async function rewritePredictions(path: string, settings: EvalSettings, records: PredictionRecord[]): Promise<void> {
  const temporary = `${path}.tmp`
  await writeFileSynced(temporary, [JSON.stringify({cmaam_eval: settings} satisfies Header), ...records.map((r) => JSON.stringify(r))].join('\n') + '\n')
  await rename(temporary, path)
}
