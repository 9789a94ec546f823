import {getAdapter} from '../../src/models'
import {describeWithShared} from '../helpers/shared'
import {loadWeightMap} from './weightmaps'

const cogvlm = getAdapter('cogvlm')

describeWithShared('cogvlm adapter: the traps of the CogVLM / CogVLM2 weight maps', () => {
  it('trap: model.vision.linear_proj / conv / boi / eoi are the bridge, the rest of model.vision.* is vision', () => {
    const {names} = loadWeightMap('cogvlm2-llama3-chat-19b.reconstructed.json')
    for (const name of ['model.vision.linear_proj.gate_proj.weight', 'model.vision.conv.weight', 'model.vision.boi', 'model.vision.eoi']) {
      expect(names).toContain(name)
      expect(cogvlm.classify(name)).toEqual({component: 'bridge', layer: null, tower: null})
    }

    expect(cogvlm.classify('model.vision.patch_embedding.cls_embedding')).toEqual({component: 'vision', layer: null, tower: null})
    expect(cogvlm.classify('model.vision.transformer.layers.62.mlp.fc2.bias')).toEqual({component: 'vision', layer: 62, tower: null})
  })

  it('trap: visual-expert weights inside decoder layers are language, with the decoder layer index', () => {
    const {names} = loadWeightMap('cogvlm-chat-hf.reconstructed.json')
    const experts = names.filter((name) => /\.self_attn\.vision_expert_|\.mlp\.vision_mlp\./.test(name))
    expect(experts).toHaveLength(32 * 5)
    expect(cogvlm.classify('model.layers.9.self_attn.vision_expert_query_key_value.weight')).toEqual({
      component: 'language',
      layer: 9,
      tower: null,
    })
    expect(cogvlm.classify('model.layers.9.mlp.vision_mlp.gate_proj.weight')).toEqual({component: 'language', layer: 9, tower: null})
    for (const name of experts) expect(cogvlm.classify(name).component).toBe('language')
  })
})

describe('cogvlm adapter on names that are not in the fixtures', () => {
  it('accepts the decoder under model.language_model.* (4.52-style and doubled)', () => {
    expect(cogvlm.classify('model.language_model.layers.2.mlp.vision_mlp.up_proj.weight')).toEqual({
      component: 'language',
      layer: 2,
      tower: null,
    })
    expect(cogvlm.classify('model.language_model.language_model.layers.2.self_attn.vision_expert_dense.weight')).toEqual({
      component: 'language',
      layer: 2,
      tower: null,
    })
    expect(cogvlm.classify('model.language_model.norm.weight').component).toBe('shared')
  })
})
