import {taskVectorMethod} from './task-vector-method'
import type {TensorParams} from './types'

/** DARE's sparsification: a random keep with probability `density`, kept entries rescaled as --rescale says. */
const dareDrop = (params: TensorParams) => ({kind: 'random' as const, density: params.density, rescale: params.rescale, seed: params.seed})

const DARE_REFERENCE = 'Yu et al. 2024, "Language Models are Super Mario" (arXiv:2311.03099)'

/** Drop each delta entry with probability 1 − density, rescale the rest (by 1/density unless --rescale says otherwise), then add them up. */
export const dareLinear = taskVectorMethod({
  name: 'dare_linear',
  title: 'DARE: drop task-vector entries at random, rescale the rest by 1/density, add them up',
  reference: `${DARE_REFERENCE}; mergekit dare_linear`,
  params: ['lambda', 'density'],
  sparsify: dareDrop,
  rescales: true,
  consensus: false,
})

/** DARE's random drop and rescale, then TIES's sign election and disjoint sum. */
export const dareTies = taskVectorMethod({
  name: 'dare_ties',
  title: 'DARE-TIES: DARE drop and rescale, then TIES sign election',
  reference: `${DARE_REFERENCE}; mergekit dare_ties`,
  params: ['lambda', 'density'],
  sparsify: dareDrop,
  rescales: true,
  consensus: true,
})
