import {listAdapters, type ParamClass} from '../../src/models'

const is = (component: ParamClass['component'], layer: number | null = null): ParamClass => ({component, layer, tower: null})

/** The decoder in every on-disk layout: legacy, llava-hf, transformers ≥ 4.52 and the doubled save-bug prefix. */
const DECODER: [string, ParamClass][] = [
  ['model.layers.4.self_attn.q_proj.weight', is('language', 4)],
  ['language_model.model.layers.4.self_attn.q_proj.weight', is('language', 4)],
  ['model.language_model.layers.4.self_attn.q_proj.weight', is('language', 4)],
  ['model.language_model.language_model.layers.4.self_attn.q_proj.weight', is('language', 4)],
  ['model.layers.4.post_attention_layernorm.weight', is('language', 4)],
  ['model.embed_tokens.weight', is('shared')],
  ['language_model.model.embed_tokens.weight', is('shared')],
  ['model.language_model.embed_tokens.weight', is('shared')],
  ['model.language_model.language_model.embed_tokens.weight', is('shared')],
  ['model.norm.weight', is('shared')],
  ['language_model.model.norm.weight', is('shared')],
  ['model.language_model.norm.weight', is('shared')],
  ['model.language_model.language_model.norm.weight', is('shared')],
  ['lm_head.weight', is('shared')],
  ['language_model.lm_head.weight', is('shared')],
]

/** Each family's own modules before and after transformers 4.52 (which prefixes them with `model.`). */
const FAMILY: Record<string, [string, ParamClass][]> = {
  qwen2vl: [
    ['visual.blocks.3.mlp.gate_proj.weight', is('vision', 3)],
    ['model.visual.blocks.3.mlp.gate_proj.weight', is('vision', 3)],
    ['visual.merger.mlp.0.weight', is('bridge')],
    ['model.visual.merger.mlp.0.weight', is('bridge')],
  ],
  llava: [
    ['vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight', is('vision', 3)],
    ['model.vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight', is('vision', 3)],
    ['model.vision_tower.vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight', is('vision', 3)],
    ['multi_modal_projector.linear_2.weight', is('bridge')],
    ['model.multi_modal_projector.linear_2.weight', is('bridge')],
    ['model.mm_projector.2.weight', is('bridge')],
    ['image_newline', is('bridge')],
    ['model.image_newline', is('bridge')],
  ],
  cogvlm: [
    ['model.vision.transformer.layers.3.mlp.fc1.weight', is('vision', 3)],
    ['model.vision.linear_proj.dense_h_to_4h.weight', is('bridge')],
  ],
  mplugowl: [
    ['vision_model.encoder.layers.3.mlp.fc1.weight', is('vision', 3)],
    ['model.vision_model.encoder.layers.3.mlp.fc1.weight', is('vision', 3)],
    ['abstractor.visual_fc.weight', is('bridge')],
    ['model.visual_abstractor.visual_fc.weight', is('bridge')],
  ],
}
FAMILY.llava_onevision = FAMILY.llava
FAMILY.generic = [...FAMILY.qwen2vl, ...FAMILY.llava, ...FAMILY.mplugowl]

describe('every built-in adapter accepts both on-disk layouts', () => {
  for (const adapter of listAdapters()) {
    it(`${adapter.name}: decoder, embeddings, final norm and lm_head in every layout`, () => {
      expect(DECODER.map(([name]) => [name, adapter.classify(name)])).toEqual(DECODER)
    })

    it(`${adapter.name}: its vision and bridge modules with and without the model. prefix`, () => {
      const cases = FAMILY[adapter.name]
      expect(cases.map(([name]) => [name, adapter.classify(name)])).toEqual(cases)
    })
  }
})
