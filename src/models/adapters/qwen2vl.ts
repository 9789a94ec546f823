import type {AdapterDefinition} from '../types'
import {DECODER_RULES} from './decoder-rules'

/** Qwen2-VL and Qwen2.5-VL: `visual.*` (or `model.visual.*` since transformers 4.52), whose `merger` is the bridge. */
export const qwen2vl: AdapterDefinition = {
  name: 'qwen2vl',
  title: 'Qwen2-VL / Qwen2.5-VL',
  modelTypes: ['qwen2_vl', 'qwen2_5_vl'],
  architectures: ['Qwen2VLForConditionalGeneration', 'Qwen2_5_VLForConditionalGeneration'],
  signatures: [String.raw`^(?:model\.)?visual\.merger\.`],
  rules: [
    {component: 'bridge', match: String.raw`(?:model\.)?visual\.merger\.`},
    // By prefix: Qwen2.5-VL vision blocks use mlp.gate_proj/up_proj/down_proj, like the decoder.
    {
      component: 'vision',
      match: String.raw`(?:model\.)?visual\.`,
      layer: String.raw`^(?:model\.)?visual\.blocks\.(\d+)\.`,
    },
    ...DECODER_RULES,
  ],
}
