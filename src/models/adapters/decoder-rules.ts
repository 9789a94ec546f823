import type {AdapterRule} from '../types'

/**
 * The decoder container in every layout cmaam accepts: `model.` (legacy Qwen2-VL, original LLaVA,
 * lmms-lab, CogVLM, mPLUG-Owl2), `language_model.model.` (llava-hf, mPLUG-Owl), `model.language_model.`
 * (transformers ≥ 4.52) and the doubled `model.language_model.language_model.` of a transformers save bug.
 * Vision and bridge rules run first, so `model.vision_tower.*` and the like never reach these rules.
 */
const ROOT = String.raw`(?:(?:model|language_model)\.)+`

/** Shared embeddings, the LM's final norm and its decoder layers: the same for every built-in family. */
export const DECODER_RULES: readonly AdapterRule[] = [
  {component: 'shared', match: String.raw`${ROOT}(?:embed_tokens|norm)\.`},
  {component: 'shared', match: String.raw`(?:(?:model|language_model)\.)*lm_head\.`},
  {component: 'language', match: String.raw`${ROOT}layers\.\d+\.`, layer: String.raw`^${ROOT}layers\.(\d+)\.`},
]
