import {CmaamError} from '../errors'
import type {Checkpoint} from '../io/safetensors/types'
import {COMPONENTS, type Component} from '../models/types'
import type {MergePlan} from './plan-merge'

/** Per component: tensors merged, kept from the target (in both, not mergeable), and copied from the one model that has them. */
export type MergeCoverage = Record<Component, {merged: number; kept: number; copied: number}>

/**
 * The guarantee against silent drops: every tensor of every input model appears in the planned
 * output exactly once. Returns the per-component counts for
 * the merge record; throws, naming the tensors, before anything is written otherwise.
 */
export function checkCoverage(plan: MergePlan, inputs: Array<{label: string; checkpoint: Checkpoint}>): MergeCoverage {
  const coverage = Object.fromEntries(COMPONENTS.map((c) => [c, {merged: 0, kept: 0, copied: 0}])) as MergeCoverage
  const planned = new Set<string>()
  const twice: string[] = []
  for (const t of plan.tensors) {
    if (planned.has(t.name)) twice.push(t.name)
    planned.add(t.name)
    const counts = coverage[t.class.component]
    if (t.action === 'merge') {
      counts.merged++
    } else if (t.action === 'keep-target') {
      counts.kept++
    } else {
      counts.copied++
    }
  }

  const dropped = inputs.flatMap(({label, checkpoint}) => [...checkpoint.tensors.keys()].filter((name) => !planned.has(name)).map((name) => `${name} (${label})`))
  const problems = [
    dropped.length > 0 ? `${dropped.length} input tensor${dropped.length === 1 ? '' : 's'} neither merged nor copied: ${list(dropped)}` : null,
    twice.length > 0 ? `${twice.length} tensor${twice.length === 1 ? '' : 's'} planned twice: ${list(twice)}` : null,
  ].filter((problem): problem is string => problem !== null)
  if (problems.length > 0) {
    throw new CmaamError(`The merged model would not hold every input tensor: ${problems.join('; ')}`, {
      hint: 'Nothing was written. This is a defect of the merge plan, not of your models: please report it with the command line and `cmaam inspect` of both models.',
    })
  }
  return coverage
}

function list(names: string[]): string {
  return names.length > 10 ? `${names.slice(0, 10).join(', ')}, … and ${names.length - 10} more` : names.join(', ')
}
