import type {MergeMethod} from './types'

/** target + t·mean(Δᵢ), t = N·cos θ / (1 + (N − 1)·cos θ) from the angle between the task vectors. */
export const modelStock: MergeMethod = {
  name: 'model_stock',
  title: 'Model Stock: move toward the fine-tunes’ average by a ratio from the angle between them',
  reference: 'Jang et al. 2024, "Model Stock" (arXiv:2403.19522); mergekit model_stock',
  sources: {min: 2, max: Infinity},
  params: [],
  weighted: false,
  defaultNormalize: false,
  weightParam: null,
  needsAnalysis: false,
  job: (inputs) => ({kind: 'model-stock', ...inputs}),
}
