import type {AdapterDefinition} from '../types'
import {LLAVA_FAMILY_RULES} from './llava-family-rules'

/** LLaVA-1.5 and LLaVA-NeXT (llava-hf), and the original liuhaotian / lmms-lab LLaVA checkpoints. */
export const llava: AdapterDefinition = {
  name: 'llava',
  title: 'LLaVA / LLaVA-NeXT',
  modelTypes: ['llava', 'llava_next', 'llava_llama', 'llava_mistral'],
  architectures: [
    'LlavaForConditionalGeneration',
    'LlavaNextForConditionalGeneration',
    'LlavaLlamaForCausalLM',
    'LlavaMistralForCausalLM',
  ],
  signatures: [String.raw`^(?:model\.)?(?:multi_modal_projector|mm_projector)\.`],
  rules: [...LLAVA_FAMILY_RULES],
}
