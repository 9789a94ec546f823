import {getAdapter} from '../../src/models'
import {describeWithShared} from '../helpers/shared'
import {loadWeightMap} from './weightmaps'

const owl = getAdapter('mplugowl')

describeWithShared('mplugowl adapter: the traps of the mPLUG-Owl / mPLUG-Owl2 weight maps', () => {
  it('trap: mPLUG-Owl v1 query_tokens and abstractor.* are the bridge', () => {
    const {names} = loadWeightMap('mplug-owl-llama-7b.reconstructed.json')
    expect(names).toContain('query_tokens')
    expect(owl.classify('query_tokens')).toEqual({component: 'bridge', layer: null, tower: null})
    expect(owl.classify('abstractor.encoder.layers.5.crossattention.attention.key.weight')).toEqual({
      component: 'bridge',
      layer: null,
      tower: null,
    })
  })

  it('trap: mPLUG-Owl2 multiway.0 and multiway.1 copies are language, indexed by the decoder layer', () => {
    const {names} = loadWeightMap('mplug-owl2-llama2-7b.reconstructed.json')
    const multiway = names.filter((name) => name.includes('.multiway.'))
    expect(multiway).toHaveLength(32 * 4 * 2)
    for (const copy of [0, 1]) {
      expect(owl.classify(`model.layers.12.self_attn.k_proj.multiway.${copy}.weight`)).toEqual({
        component: 'language',
        layer: 12,
        tower: null,
      })
      expect(owl.classify(`model.layers.12.input_layernorm.multiway.${copy}.weight`)).toEqual({
        component: 'language',
        layer: 12,
        tower: null,
      })
    }

    for (const name of multiway) expect(owl.classify(name).component).toBe('language')
  })

  it('trap: mPLUG-Owl2 model.vision_model.* and model.visual_abstractor.* are not the LM', () => {
    expect(owl.classify('model.vision_model.post_layernorm.weight').component).toBe('vision')
    expect(owl.classify('model.visual_abstractor.query_embeds').component).toBe('bridge')
    expect(owl.classify('model.visual_abstractor.vit_eos').component).toBe('bridge')
  })
})

describe('mplugowl adapter on names that are not in the fixtures', () => {
  it('accepts the decoder under model.language_model.* (4.52-style and doubled)', () => {
    expect(owl.classify('model.language_model.layers.3.self_attn.v_proj.multiway.1.weight')).toEqual({
      component: 'language',
      layer: 3,
      tower: null,
    })
    expect(owl.classify('model.language_model.language_model.layers.3.mlp.up_proj.weight')).toEqual({
      component: 'language',
      layer: 3,
      tower: null,
    })
    expect(owl.classify('model.language_model.language_model.embed_tokens.weight').component).toBe('shared')
  })
})
