import type {AdapterDefinition} from '../types'
import {LLAVA_FAMILY_RULES} from './llava-family-rules'

/**
 * LLaVA-OneVision in the llava-hf and lmms-lab layouts, including lmms-lab derivatives with several
 * vision towers (`model.vision_tower.vision_towers.N.*`, one tower id each).
 */
export const llavaOnevision: AdapterDefinition = {
  name: 'llava_onevision',
  title: 'LLaVA-OneVision',
  modelTypes: ['llava_onevision', 'llava_qwen'],
  architectures: ['LlavaOnevisionForConditionalGeneration', 'LlavaQwenForCausalLM'],
  // SigLIP's patch embedding has a bias and CLIP's has none: a SigLIP tower in a LLaVA layout is
  // OneVision-style, while LLaVA-1.5 and LLaVA-NeXT use CLIP.
  signatures: [
    String.raw`^(?:model\.)?vision_tower\.(?:vision_tower\.|vision_towers\.\d+\.vision_tower\.)?vision_model\.embeddings\.patch_embedding\.bias$`,
  ],
  rules: [...LLAVA_FAMILY_RULES],
}
