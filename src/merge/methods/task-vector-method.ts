import type {Sparsify} from '../../compute/jobs'
import {taskVectorJob} from './task-vector-job'
import type {MergeMethod, ParamName, TensorParams} from './types'

/** What sets one task-vector method apart from the others. */
export interface TaskVectorMethodSpec extends Pick<MergeMethod, 'name' | 'title' | 'reference'> {
  /** The numeric parameters it reads (λ always). */
  params: readonly ParamName[]
  /** How each task vector is sparsified, from the tensor's parameters. */
  sparsify: (params: TensorParams) => Sparsify
  /** TIES's sign election and disjoint mean. */
  consensus: boolean
  /** --normalize when not given (mergekit's default for the method); default false. */
  defaultNormalize?: boolean
  /** Whether it reads --rescale (DARE). */
  rescales?: boolean
}

/**
 * A method of the task-vector family (target + λ·Σ wᵢ·sparsify(θᵢ − target)): any number of
 * sources, weighted, λ replaced by CMAAM's α under `--alpha-from cmaam`.
 */
export function taskVectorMethod(spec: TaskVectorMethodSpec): MergeMethod {
  return {
    name: spec.name,
    title: spec.title,
    reference: spec.reference,
    sources: {min: 1, max: Infinity},
    params: spec.params,
    weighted: true,
    ...(spec.rescales ? {rescales: true} : {}),
    defaultNormalize: spec.defaultNormalize ?? false,
    weightParam: 'lambda',
    needsAnalysis: false,
    job: (inputs, params) => taskVectorJob(inputs, params, spec.sparsify(params), spec.consensus),
  }
}
