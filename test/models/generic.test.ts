import {getAdapter} from '../../src/models'
import {describeWithShared} from '../helpers/shared'
import {EXPECTATIONS} from './expectations'
import {countByComponent, loadWeightMap, mismatches} from './weightmaps'

const generic = getAdapter('generic')
const is = (component: string, layer: number | null = null) => ({component, layer, tower: null})

/** Families whose layouts the keyword rules fully cover (components and layer indices). */
const AGREES = [
  'qwen2-vl-7b-instruct.json',
  'qwen2-vl-7b-instruct.transformers-4.52-layout.json',
  'qwen2-vl-2b-instruct.reconstructed.json',
  'qwen2.5-vl-7b-instruct.reconstructed.json',
  'llava-1.5-7b-hf.json',
  'llava-1.5-7b-hf.transformers-4.52-layout.json',
  'llava-v1.6-mistral-7b-hf.reconstructed.json',
  'llava-v1.5-7b-original.json',
  'llava-onevision-qwen2-7b-ov-hf.reconstructed.json',
  'llava-onevision-qwen2-7b-ov-hf.transformers-4.52-layout.json',
  'llava-onevision-qwen2-7b-ov-lmms-lab.reconstructed.json',
  'mplug-owl-llama-7b.reconstructed.json',
  'mplug-owl2-llama2-7b.reconstructed.json',
]

describeWithShared('generic adapter on the weight maps', () => {
  for (const file of AGREES) {
    it(`agrees with the family expectation table on ${file}`, () => {
      const {names} = loadWeightMap(file)
      expect(mismatches(generic, names, EXPECTATIONS[file].table)).toEqual([])
    })
  }

  it('gets the components of the two-tower Logics model right (towers are not told apart)', () => {
    const {names} = loadWeightMap('logics-thinking-llava-ov-style.json')
    expect(countByComponent(generic, names)).toEqual(EXPECTATIONS['logics-thinking-llava-ov-style.json'].counts)
  })

  it('cannot know that CogVLM keeps its projector under model.vision.*: that is what the cogvlm adapter is for', () => {
    const {names} = loadWeightMap('cogvlm2-llama3-chat-19b.reconstructed.json')
    const {vision, bridge, language, shared} = EXPECTATIONS['cogvlm2-llama3-chat-19b.reconstructed.json'].counts
    expect(countByComponent(generic, names)).toEqual({vision: vision + bridge, bridge: 0, language, shared})
    expect(generic.classify('model.layers.4.mlp.vision_mlp.up_proj.weight')).toEqual(is('language', 4))
  })
})

describe('generic adapter keyword rules', () => {
  it('recognises vision towers by a top-level module word', () => {
    expect(generic.classify('vision_model.encoder.layers.2.mlp.fc1.weight')).toEqual(is('vision', 2))
    expect(generic.classify('model.vision_model.encoder.layers.2.mlp.fc1.weight')).toEqual(is('vision', 2))
    expect(generic.classify('transformer.visual.transformer.resblocks.0.attn.in_proj_weight')).toEqual(is('vision'))
    expect(generic.classify('image_encoder.blocks.11.norm1.weight')).toEqual(is('vision', 11))
    expect(generic.classify('clip.vision_model.embeddings.patch_embedding.weight')).toEqual(is('vision'))
  })

  it('recognises bridges: projector, connector, adapter, merger, abstractor, aligner, resampler, image_newline', () => {
    for (const name of [
      'multi_modal_projector.linear_1.weight',
      'model.multimodal_projector.0.weight',
      'model.mm_projector.2.bias',
      'model.connector.modality_projection.proj.weight',
      'adapter.linear.weight',
      'model.visual.merger.mlp.0.weight',
      'model.visual.deepstack_merger_list.0.norm.weight',
      'visual_abstractor.query_embeds',
      'aligner.layers.0.weight',
      'resampler.kv_proj.weight',
      'model.image_newline',
      'query_tokens',
    ]) {
      expect([name, generic.classify(name)]).toEqual([name, is('bridge')])
    }
  })

  it('only takes keywords from module names before the first numbered block', () => {
    expect(generic.classify('model.layers.3.self_attn.vision_expert_dense.weight')).toEqual(is('language', 3))
    expect(generic.classify('model.layers.3.adapter.down.weight')).toEqual(is('language', 3))
    expect(generic.classify('model.layers.3.mlp.vision_mlp.gate_proj.weight')).toEqual(is('language', 3))
    expect(generic.classify('supervision_head.weight')).toEqual(is('language'))
  })

  it('shares embeddings, lm_head and the final LM norm, not vision norms or per-layer norms', () => {
    for (const name of [
      'model.embed_tokens.weight',
      'model.text_model.embed_tokens.weight',
      'llm.model.norm.weight',
      'model.language_model.language_model.norm.weight',
      'lm_head.weight',
      'transformer.wte.weight',
      'transformer.ln_f.weight',
    ]) {
      expect([name, generic.classify(name)]).toEqual([name, is('shared')])
    }

    expect(generic.classify('vision_model.post_layernorm.weight')).toEqual(is('vision'))
    expect(generic.classify('model.vision_model.norm.weight')).toEqual(is('vision'))
    expect(generic.classify('model.layers.0.input_layernorm.weight')).toEqual(is('language', 0))
  })

  it('indexes decoder layers in the usual containers', () => {
    expect(generic.classify('model.text_model.layers.5.mlp.up_proj.weight')).toEqual(is('language', 5))
    expect(generic.classify('llm.model.layers.5.mlp.up_proj.weight')).toEqual(is('language', 5))
    expect(generic.classify('transformer.h.5.attn.c_attn.weight')).toEqual(is('language', 5))
    expect(generic.classify('model.language_model.language_model.layers.5.mlp.up_proj.weight')).toEqual(is('language', 5))
  })
})
