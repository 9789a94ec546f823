import type {AdapterDefinition} from '../types'
import {DECODER_RULES} from './decoder-rules'

/**
 * CogVLM and CogVLM2. `model.vision.*` is the EVA-CLIP encoder except the GLU projector
 * (`linear_proj`), the CogVLM2 downsampling `conv` and the `boi`/`eoi` image delimiters, which form
 * the bridge. The visual-expert weights (`model.layers.N.self_attn.vision_expert_*`,
 * `model.layers.N.mlp.vision_mlp.*`) are language: they are decoder-layer weights, run in the LM's
 * residual stream at that layer's depth, so they belong to the decoder layer's group.
 */
export const cogvlm: AdapterDefinition = {
  name: 'cogvlm',
  title: 'CogVLM / CogVLM2',
  modelTypes: ['cogvlm', 'cogvlm2'],
  architectures: ['CogVLMForCausalLM'],
  signatures: [String.raw`^(?:model\.)?vision\.linear_proj\.`],
  rules: [
    {component: 'bridge', match: String.raw`(?:model\.)?vision\.(?:linear_proj|conv)\.`},
    {component: 'bridge', match: String.raw`(?:model\.)?vision\.(?:boi|eoi)$`},
    {
      component: 'vision',
      match: String.raw`(?:model\.)?vision\.`,
      layer: String.raw`^(?:model\.)?vision\.transformer\.layers\.(\d+)\.`,
    },
    ...DECODER_RULES,
  ],
}
