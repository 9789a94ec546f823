import {groupKey} from '../../../src/merge/analysis/layer-groups'
import {compareNatural} from '../../../src/merge/analysis/natural-order'
import type {ParamClass} from '../../../src/models/types'

const cls = (component: ParamClass['component'], layer: number | null, tower: string | null = null): ParamClass => ({
  component,
  layer,
  tower,
})

describe('groupKey, default grouping (component, tower, index)', () => {
  it('keys indexed tensors by component and index, towers apart', () => {
    expect(groupKey('visual.blocks.3.attn.qkv.weight', cls('vision', 3), 'default')).toEqual({key: 'vision.layer_3', indexed: true})
    expect(groupKey('model.layers.3.mlp.up_proj.weight', cls('language', 3), 'default')).toEqual({key: 'language.layer_3', indexed: true})
    expect(groupKey('vision_tower_1.blocks.3.attn.weight', cls('vision', 3, '1'), 'default')).toEqual({
      key: 'vision.tower_1.layer_3',
      indexed: true,
    })
  })

  it('puts tensors without an index in one group per component', () => {
    expect(groupKey('multi_modal_projector.linear_1.weight', cls('bridge', null), 'default')).toEqual({key: 'bridge.non_layer', indexed: false})
    expect(groupKey('model.embed_tokens.weight', cls('shared', null), 'default')).toEqual({key: 'shared.non_layer', indexed: false})
    expect(groupKey('visual.patch_embed.proj.weight', cls('vision', null), 'default')).toEqual({key: 'vision.non_layer', indexed: false})
    expect(groupKey('vision_tower_2.post_layernorm.weight', cls('vision', null, '2'), 'default')).toEqual({key: 'vision.non_layer', indexed: false})
    expect(groupKey('some.odd.weight', cls('language', null), 'default')).toEqual({key: 'language.non_layer', indexed: false})
  })
})

describe('groupKey, --compat reference', () => {
  const ref = (name: string) => groupKey(name, cls('language', null), 'reference')

  it('merges visual.blocks.3 with model.layers.3, and LLaVA linear_1 joins layer 1', () => {
    expect(ref('visual.blocks.3.attn.qkv.weight')).toEqual({key: 'layer_3', indexed: true})
    expect(ref('model.layers.3.mlp.up_proj.weight')).toEqual({key: 'layer_3', indexed: true})
    expect(ref('multi_modal_projector.linear_1.weight')).toEqual({key: 'layer_1', indexed: true})
    expect(ref('model.layers.1.self_attn.q_proj.weight')).toEqual({key: 'layer_1', indexed: true})
  })

  it('uses the first matching pattern in the reference order, and the bare number', () => {
    expect(ref('vision_tower.vision_model.encoder.layers.23.self_attn.k_proj.weight')).toEqual({key: 'layer_23', indexed: true})
    expect(ref('model.layers.5.mlp.fc_1.weight')).toEqual({key: 'layer_5', indexed: true}) // .layers. beats _N.
    expect(ref('x.block.2.layer.7.w')).toEqual({key: 'layer_7', indexed: true}) // .layer. is tried before .block.
    expect(ref('transformer.h.11.attn.c_attn.weight')).toEqual({key: 'layer_11', indexed: true})
    expect(ref('encoder.block.4.ff.weight')).toEqual({key: 'layer_4', indexed: true})
    expect(ref('mm_projector.linear_007.bias')).toEqual({key: 'layer_7', indexed: true})
    expect(ref('model.layers.03.mlp.weight')).toEqual({key: 'layer_3', indexed: true})
  })

  it('falls back to the single non_layer group, ignoring the component', () => {
    expect(ref('model.embed_tokens.weight')).toEqual({key: 'non_layer', indexed: false})
    expect(groupKey('visual.merger.mlp.0.weight', cls('bridge', null), 'reference')).toEqual({key: 'non_layer', indexed: false})
    expect(groupKey('lm_head.weight', cls('shared', null), 'reference')).toEqual({key: 'non_layer', indexed: false})
    expect(ref('model.layers.3')).toEqual({key: 'non_layer', indexed: false}) // needs the trailing dot
  })
})

describe('compareNatural', () => {
  it('orders numbers by value', () => {
    const keys = ['layer_10', 'non_layer', 'layer_2', 'layer_1', 'vision.layer_10', 'bridge.non_layer', 'vision.layer_9']
    expect([...keys].sort(compareNatural)).toEqual([
      'bridge.non_layer',
      'layer_1',
      'layer_2',
      'layer_10',
      'non_layer',
      'vision.layer_9',
      'vision.layer_10',
    ])
  })
})
