import {taskVectorJob} from './task-vector-job'
import type {MergeMethod} from './types'

/** Keep each task vector's middle band of magnitudes: drop the largest gamma fraction and the smallest. */
export const breadcrumbs: MergeMethod = {
  name: 'breadcrumbs',
  title: 'Model Breadcrumbs: drop the largest and the smallest entries of each task vector, add up the band',
  reference: 'Davari & Belilovsky 2024, "Model Breadcrumbs" (arXiv:2312.06795); mergekit breadcrumbs',
  sources: {min: 1, max: Infinity},
  params: ['lambda', 'density', 'gamma'],
  weighted: true,
  defaultNormalize: false,
  weightParam: 'lambda',
  needsAnalysis: false,
  job: (inputs, params) => taskVectorJob(inputs, params, {kind: 'band', density: params.density, gamma: params.gamma}, false),
}
