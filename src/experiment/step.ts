import {mkdir, readlink, rm, stat, symlink} from 'node:fs/promises'
import {resolve} from 'node:path'
import {readExperimentState, writeExperimentState} from './experiment-state'
import {stepKey} from './fingerprint'
import type {ExperimentReport, StepEvent} from './types'

/** A unit of work that is skipped when its key (settings + input fingerprints) is unchanged. */
export interface Step {
  id: string
  key(): Promise<string>
  /** Whether what the step wrote is still there. */
  present(): Promise<boolean>
  /** `resume`: the step was interrupted with the same key (an eval continues its predictions). */
  run(resume: boolean): Promise<unknown>
}

/**
 * Runs the steps in order, skipping each one `experiment.json` records as done with the same key
 * (and whose output is still there); records each start and end there. Returns the steps' times
 * and every step's result, this run's or an earlier one's.
 */
export async function runSteps(steps: Step[], output: string, onStep?: (event: StepEvent) => void): Promise<{done: ExperimentReport['steps']; results: Map<string, unknown>}> {
  const state = await readExperimentState(output)
  const done: ExperimentReport['steps'] = []
  for (const step of steps) {
    const key = await step.key()
    const previous = state.steps[step.id]
    if (previous?.status === 'done' && previous.key === key && (await step.present())) {
      onStep?.({id: step.id, state: 'reused'})
      done.push({id: step.id, seconds: previous.seconds, reused: true})
      continue
    }
    onStep?.({id: step.id, state: 'running'})
    const started = Date.now()
    state.steps[step.id] = {key, status: 'running', started: new Date(started).toISOString(), seconds: null, result: null}
    await writeExperimentState(output, state)
    const result = await step.run(previous?.status === 'running' && previous.key === key)
    const seconds = (Date.now() - started) / 1000
    state.steps[step.id] = {...state.steps[step.id], status: 'done', seconds, result}
    await writeExperimentState(output, state)
    onStep?.({id: step.id, state: 'done', seconds})
    done.push({id: step.id, seconds, reused: false})
  }
  return {done, results: new Map(steps.map((step) => [step.id, state.steps[step.id].result]))}
}

/** A step that points `models/<name>` at a folder that is evaluated as it is. */
export function linkStep(id: string, link: string, target: string): Step {
  return {
    id,
    key: async () => stepKey({kind: 'link', target: resolve(target)}),
    present: async () => (await readlink(link).catch(() => null)) === resolve(target),
    run: async () => {
      await linkOrReplace(link, resolve(target))
      return {target: resolve(target)}
    },
  }
}

/** Makes `path` a link to `target` (or an empty folder when `target` is null), replacing what was there. */
export async function linkOrReplace(path: string, target: string | null): Promise<void> {
  await rm(path, {recursive: true, force: true})
  if (target === null) await mkdir(path, {recursive: true})
  else await symlink(target, path, 'dir')
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
