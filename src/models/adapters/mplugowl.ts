import type {AdapterDefinition} from '../types'
import {DECODER_RULES} from './decoder-rules'

/**
 * mPLUG-Owl (v1: `vision_model.*`, `query_tokens`, `abstractor.*`, `language_model.*`) and mPLUG-Owl2
 * (the same under `model.`, with `visual_abstractor`). Owl2's `multiway.0` / `multiway.1` copies of
 * k_proj, v_proj and the layer norms are decoder-layer weights, so they are language like the rest of the layer.
 */
export const mplugowl: AdapterDefinition = {
  name: 'mplugowl',
  title: 'mPLUG-Owl / mPLUG-Owl2',
  modelTypes: ['mplug-owl', 'mplug_owl', 'mplug_owl2'],
  architectures: ['MplugOwlForConditionalGeneration', 'MPLUGOwl2LlamaForCausalLM'],
  signatures: [String.raw`^(?:model\.)?(?:visual_)?abstractor\.`],
  rules: [
    {component: 'bridge', match: String.raw`(?:model\.)?(?:visual_)?abstractor\.`},
    {component: 'bridge', match: String.raw`(?:model\.)?query_tokens$`},
    {
      component: 'vision',
      match: String.raw`(?:model\.)?vision_model\.`,
      layer: String.raw`^(?:model\.)?vision_model\.encoder\.layers\.(\d+)\.`,
    },
    ...DECODER_RULES,
  ],
}
