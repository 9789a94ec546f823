import {lerpJob} from './linear'
import type {MergeMethod} from './types'

/** CMAAM: the linear formula with each tensor's α from the alignment analysis (docs/method.md). */
export const cmaam: MergeMethod = {
  name: 'cmaam',
  title: 'Cross-Modal Alignment-Aware Merging: (1 − α)·target + α·source with a data-free α per tensor',
  reference: 'CMAAM reference implementation; docs/method.md',
  sources: {min: 1, max: 1},
  params: [],
  weighted: false,
  defaultNormalize: false,
  weightParam: 'alpha',
  needsAnalysis: true,
  job: (inputs, params) => lerpJob(inputs, params.alpha),
}
