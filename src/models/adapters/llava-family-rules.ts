import type {AdapterRule} from '../types'
import {DECODER_RULES} from './decoder-rules'

/** Block index of a vision tower: CLIP/SigLIP encoder layers, Pixtral transformer layers, ConvNeXt stages. */
const BLOCK = String.raw`(?:vision_model\.encoder\.layers|transformer\.layers|stages)\.(\d+)\.`

/**
 * One rule set for every LLaVA layout, so that whichever LLaVA adapter detection picks classifies
 * all of them: llava-hf (`vision_tower.*`, `multi_modal_projector.*`, `image_newline`, with or without
 * the `model.` prefix of transformers ≥ 4.52) and the original/lmms-lab layout, where everything but
 * `lm_head` sits under `model.*` (`model.vision_tower.vision_tower.*`, `model.mm_projector.*`).
 * A ConvNeXt tower has no flat block list, so its layer index is the stage.
 */
export const LLAVA_FAMILY_RULES: readonly AdapterRule[] = [
  {component: 'bridge', match: String.raw`(?:model\.)?(?:multi_modal_projector|mm_projector|vision_resampler)\.`},
  // A learned vector appended after each image row: it lives on the projector side (spec §1).
  {component: 'bridge', match: String.raw`(?:model\.)?image_newline$`},
  {
    component: 'vision',
    match: String.raw`(?:model\.)?vision_tower\.vision_towers\.\d+\.`,
    tower: String.raw`^(?:model\.)?vision_tower\.vision_towers\.(\d+)\.`,
    layer: String.raw`^(?:model\.)?vision_tower\.vision_towers\.\d+\.vision_tower\.${BLOCK}`,
  },
  {
    component: 'vision',
    match: String.raw`(?:model\.)?vision_tower\.`,
    layer: String.raw`^(?:model\.)?vision_tower\.(?:vision_tower\.)?${BLOCK}`,
  },
  ...DECODER_RULES,
]
