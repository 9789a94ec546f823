import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {writeJsonFile} from '../report/write-json-file'
import {CMAAM_VERSION} from '../version'

export const EXPERIMENT_FILE = 'experiment.json'

/** One step as `experiment.json` records it. */
export interface StepRecord {
  /** Hash of the step's settings and its inputs' fingerprints: a different key means redo. */
  key: string
  status: 'running' | 'done'
  started: string
  seconds: number | null
  /** What the step produced that the report needs (a merge record's summary, eval metrics…). */
  result: unknown
}

export interface ExperimentState {
  cmaam_version: string
  steps: Record<string, StepRecord>
}

export async function readExperimentState(dir: string): Promise<ExperimentState> {
  const path = join(dir, EXPERIMENT_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return {cmaam_version: CMAAM_VERSION, steps: {}}
  }
  try {
    const state = JSON.parse(text) as ExperimentState
    if (typeof state.steps !== 'object' || state.steps === null) throw new Error('no "steps" object')
    return state
  } catch (error) {
    throw new CmaamError(`${path} is damaged: ${(error as Error).message}`, {
      hint: 'Delete it to run every step again.',
    })
  }
}

export async function writeExperimentState(dir: string, state: ExperimentState): Promise<void> {
  await writeJsonFile(join(dir, EXPERIMENT_FILE), {...state, cmaam_version: CMAAM_VERSION})
}
