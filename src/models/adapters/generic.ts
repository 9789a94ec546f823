import type {AdapterDefinition} from '../types'

/**
 * Module path before the first numbered block: segments that do not start with a digit. A keyword
 * therefore only counts in a top-level module name, never inside a decoder layer
 * (`model.layers.3.mlp.vision_mlp` stays language, `visual.blocks.3.mlp` is vision).
 */
const PATH = String.raw`(?:[A-Za-z_]\w*\.)*?`
/** One path segment that contains the keyword as a whole `_`-separated word (`visual_abstractor`, `mm_projector`). */
const word = (keywords: string): string => String.raw`(?:\w*_)?(?:${keywords})(?:_\w*)?`
const LM_ROOT = String.raw`(?:(?:model|language_model|text_model|llm|transformer)\.)*`
const BLOCK = String.raw`(?:layers|layer|blocks|block|h)\.`
const BRIDGE = 'projector|adapter|connector|merger|abstractor|aligner|resampler|qformer'

/** Name-based rules for models without a dedicated adapter, in the spirit of the reference's keyword rules. */
export const generic: AdapterDefinition = {
  name: 'generic',
  title: 'Generic (name-based rules for unknown models)',
  modelTypes: [],
  architectures: [],
  signatures: [],
  rules: [
    {component: 'bridge', match: String.raw`${PATH}${word(BRIDGE)}(?:\.|$)`},
    {component: 'bridge', match: String.raw`${PATH}(?:image_newline|query_tokens)$`},
    {component: 'shared', match: String.raw`${LM_ROOT}(?:embed_tokens|norm|lm_head|wte|ln_f)\.`},
    {
      component: 'vision',
      match: String.raw`${PATH}${word('vision|visual|vit|clip|image_encoder')}\.`,
      layer: String.raw`\.(?:layers|layer|blocks|block)\.(\d+)\.`,
    },
    {component: 'language', match: String.raw`${PATH}${BLOCK}\d+\.`, layer: String.raw`^${PATH}${BLOCK}(\d+)\.`},
  ],
}
