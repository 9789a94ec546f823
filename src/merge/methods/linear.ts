import type {Job} from '../../compute/jobs'
import {copySource, copyTarget} from './copy-jobs'
import type {MergeMethod, MethodInputs, TensorParams} from './types'

/** merged = target + α·(source − target), rounded once; α = 0 and 1 copy one side bit for bit. */
export function lerpJob(inputs: MethodInputs, alpha: number): Job {
  if (alpha === 0) return copyTarget(inputs)
  if (alpha === 1) return copySource(inputs)
  return {kind: 'lerp', count: inputs.count, target: inputs.target, source: inputs.sources[0], alpha, out: inputs.out}
}

export const linear: MergeMethod = {
  name: 'linear',
  title: 'Linear interpolation with one α for every tensor: (1 − α)·target + α·source',
  reference: 'Wortsman et al. 2022, "Model soups" (arXiv:2203.05482)',
  sources: {min: 1, max: 1},
  params: ['alpha'],
  weighted: false,
  defaultNormalize: false,
  weightParam: 'alpha',
  needsAnalysis: false,
  job: (inputs: MethodInputs, params: TensorParams) => lerpJob(inputs, params.alpha),
}
