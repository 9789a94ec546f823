import {copySource, copyTarget} from './copy-jobs'
import type {MergeMethod} from './types'

/** Spherical interpolation of each tensor, from the target (t = 0) to the source (t = 1). */
export const slerp: MergeMethod = {
  name: 'slerp',
  title: 'SLERP: spherical interpolation of each tensor from target (t = 0) to source (t = 1)',
  reference: 'Shoemake 1985; mergekit slerp (lerp when |cos| > 0.9995)',
  sources: {min: 1, max: 1},
  params: ['t'],
  weighted: false,
  defaultNormalize: false,
  weightParam: 't',
  needsAnalysis: false,
  job: (inputs, params) => {
    // The ends are one model, bit for bit.
    if (params.t === 0) return copyTarget(inputs)
    if (params.t === 1) return copySource(inputs)
    return {kind: 'slerp', count: inputs.count, target: inputs.target, source: inputs.sources[0], t: params.t, out: inputs.out}
  },
}
