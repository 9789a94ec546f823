import {taskVectorMethod} from './task-vector-method'

/** Trim each task vector to its top-density magnitudes, elect signs by sum, disjoint mean, × λ. */
export const ties = taskVectorMethod({
  name: 'ties',
  title: 'TIES: trim each task vector to its largest entries, elect the sign, average the agreeing entries',
  reference: 'Yadav et al. 2023, "TIES-Merging" (arXiv:2306.01708); mergekit ties',
  params: ['lambda', 'density'],
  sparsify: (params) => ({kind: 'magnitude', density: params.density}),
  consensus: true,
  defaultNormalize: true,
})
