import type {Sparsify, TaskVectorJob} from '../../compute/jobs'
import type {MethodInputs, TensorParams} from './types'

/** The job of every task-vector method: they differ only in how each task vector is sparsified and whether signs are elected. */
export function taskVectorJob(inputs: MethodInputs, params: TensorParams, sparsify: Sparsify, consensus: boolean): TaskVectorJob {
  return {kind: 'task-vector', ...inputs, weights: params.weights, lambda: params.lambda, sparsify, consensus, normalize: params.normalize}
}
