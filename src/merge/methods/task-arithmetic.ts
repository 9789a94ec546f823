import {taskVectorJob} from './task-vector-job'
import type {MergeMethod} from './types'

/** θ = target + λ·Σᵢ wᵢ·(θᵢ − target). */
export const taskArithmetic: MergeMethod = {
  name: 'task_arithmetic',
  title: 'Task arithmetic: target + λ·Σ wᵢ·(sourceᵢ − target)',
  reference: 'Ilharco et al. 2023, "Editing models with task arithmetic" (arXiv:2212.04089); mergekit task_arithmetic',
  sources: {min: 1, max: Infinity},
  params: ['lambda'],
  weighted: true,
  defaultNormalize: false,
  weightParam: 'lambda',
  needsAnalysis: false,
  job: (inputs, params) => taskVectorJob(inputs, params, {kind: 'none'}, false),
}
