import {taskVectorMethod} from './task-vector-method'

/** θ = target + λ·Σᵢ wᵢ·(θᵢ − target). */
export const taskArithmetic = taskVectorMethod({
  name: 'task_arithmetic',
  title: 'Task arithmetic: target + λ·Σ wᵢ·(sourceᵢ − target)',
  reference: 'Ilharco et al. 2023, "Editing models with task arithmetic" (arXiv:2212.04089); mergekit task_arithmetic',
  params: ['lambda'],
  sparsify: () => ({kind: 'none'}),
  consensus: false,
})
