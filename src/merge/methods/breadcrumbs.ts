import {taskVectorMethod} from './task-vector-method'

/** Keep each task vector's middle band of magnitudes: drop the largest gamma fraction and the smallest. */
export const breadcrumbs = taskVectorMethod({
  name: 'breadcrumbs',
  title: 'Model Breadcrumbs: drop the largest and the smallest entries of each task vector, add up the band',
  reference: 'Davari & Belilovsky 2024, "Model Breadcrumbs" (arXiv:2312.06795); mergekit breadcrumbs',
  params: ['lambda', 'density', 'gamma'],
  sparsify: (params) => ({kind: 'band', density: params.density, gamma: params.gamma}),
  consensus: false,
})
