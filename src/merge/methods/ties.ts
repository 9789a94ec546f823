import {taskVectorJob} from './task-vector-job'
import type {MergeMethod} from './types'

/** Trim each task vector to its top-density magnitudes, elect signs by sum, disjoint mean, × λ. */
export const ties: MergeMethod = {
  name: 'ties',
  title: 'TIES: trim each task vector to its largest entries, elect the sign, average the agreeing entries',
  reference: 'Yadav et al. 2023, "TIES-Merging" (arXiv:2306.01708); mergekit ties',
  sources: {min: 1, max: Infinity},
  params: ['lambda', 'density'],
  weighted: true,
  defaultNormalize: true,
  weightParam: 'lambda',
  needsAnalysis: false,
  job: (inputs, params) => taskVectorJob(inputs, params, {kind: 'magnitude', density: params.density}, true),
}
