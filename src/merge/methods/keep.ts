import {copySource, copyTarget} from './copy-jobs'
import type {MergeMethod} from './types'

/** The target's tensor as it is: for a component that must not change (e.g. the vision tower). */
export const keepTarget: MergeMethod = {
  name: 'keep-target',
  title: 'Keep the target’s tensors unchanged',
  reference: 'cmaam',
  sources: {min: 1, max: Infinity},
  params: [],
  weighted: false,
  defaultNormalize: false,
  weightParam: null,
  needsAnalysis: false,
  job: copyTarget,
}

/** The (first) source's tensor as it is. */
export const keepSource: MergeMethod = {
  name: 'keep-source',
  title: 'Take the (first) source’s tensors unchanged',
  reference: 'cmaam',
  sources: {min: 1, max: Infinity},
  params: [],
  weighted: false,
  defaultNormalize: false,
  weightParam: null,
  needsAnalysis: false,
  job: copySource,
}
