import {getAdapter} from '../../src/models'
import {describeWithShared} from '../helpers/shared'
import {countByComponent, loadWeightMap} from './weightmaps'

const llava = getAdapter('llava')

describeWithShared('llava adapter: the traps of the LLaVA-1.5 / LLaVA-NeXT weight maps', () => {
  it('trap: image_newline (LLaVA-NeXT) is a top-level vector of the bridge', () => {
    const {names} = loadWeightMap('llava-v1.6-mistral-7b-hf.reconstructed.json')
    expect(names).toContain('image_newline')
    expect(llava.classify('image_newline')).toEqual({component: 'bridge', layer: null, tower: null})
  })

  it('trap: the liuhaotian checkpoint has no vision weights; its model.mm_projector.* is bridge, not LM', () => {
    const {names} = loadWeightMap('llava-v1.5-7b-original.json')
    expect(names.filter((name) => name.includes('vision'))).toEqual([])
    expect(countByComponent(llava, names).vision).toBe(0)
    expect(llava.classify('model.mm_projector.0.weight')).toEqual({component: 'bridge', layer: null, tower: null})
    expect(llava.classify('model.mm_projector.2.bias')).toEqual({component: 'bridge', layer: null, tower: null})
    expect(llava.classify('model.layers.31.self_attn.rotary_emb.inv_freq')).toEqual({component: 'language', layer: 31, tower: null})
  })

  it('trap: multi_modal_projector.linear_1 has no layer (the reference puts it in layer 1)', () => {
    expect(llava.classify('multi_modal_projector.linear_1.weight')).toEqual({component: 'bridge', layer: null, tower: null})
  })

  it('trap: transformers 4.52 layout (model.vision_tower.*, model.multi_modal_projector.*, model.language_model.*)', () => {
    const {names} = loadWeightMap('llava-1.5-7b-hf.transformers-4.52-layout.json')
    expect(names).toContain('model.multi_modal_projector.linear_2.weight')
    expect(llava.classify('model.multi_modal_projector.linear_2.weight').component).toBe('bridge')
    expect(llava.classify('model.vision_tower.vision_model.encoder.layers.23.mlp.fc2.weight')).toEqual({
      component: 'vision',
      layer: 23,
      tower: null,
    })
    expect(llava.classify('model.language_model.layers.31.mlp.down_proj.weight')).toEqual({component: 'language', layer: 31, tower: null})
    expect(llava.classify('lm_head.weight').component).toBe('shared')
  })

  it('trap: vision post/pre layer norms are vision, per-layer LM norms are language; only the final LM norm is shared', () => {
    expect(llava.classify('vision_tower.vision_model.post_layernorm.weight').component).toBe('vision')
    expect(llava.classify('vision_tower.vision_model.pre_layrnorm.bias').component).toBe('vision')
    expect(llava.classify('language_model.model.layers.4.post_attention_layernorm.weight')).toEqual({
      component: 'language',
      layer: 4,
      tower: null,
    })
    expect(llava.classify('language_model.model.norm.weight').component).toBe('shared')
  })
})

describe('llava adapter on names that are not in the fixtures', () => {
  it('reads the doubled model.language_model.language_model.* of the transformers save bug', () => {
    expect(llava.classify('model.language_model.language_model.layers.0.self_attn.q_proj.weight')).toEqual({
      component: 'language',
      layer: 0,
      tower: null,
    })
    expect(llava.classify('model.language_model.language_model.norm.weight').component).toBe('shared')
  })

  it('reads LLaVA-NeXT in the 4.52 layout (model.image_newline)', () => {
    expect(llava.classify('model.image_newline')).toEqual({component: 'bridge', layer: null, tower: null})
  })

  it('indexes a Pixtral vision tower (vision_tower.transformer.layers.N)', () => {
    expect(llava.classify('vision_tower.transformer.layers.5.attention.q_proj.weight')).toEqual({
      component: 'vision',
      layer: 5,
      tower: null,
    })
    expect(llava.classify('vision_tower.patch_conv.weight')).toEqual({component: 'vision', layer: null, tower: null})
  })
})
