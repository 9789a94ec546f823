import {getAdapter} from '../../src/models'
import {describeWithShared} from '../helpers/shared'
import {countByComponent, loadWeightMap} from './weightmaps'

const qwen = getAdapter('qwen2vl')

describeWithShared('qwen2vl adapter: the traps of the Qwen2-VL / Qwen2.5-VL weight maps', () => {
  it('trap: Qwen2.5-VL vision blocks use gate_proj/up_proj/down_proj like the LM, and stay vision', () => {
    const {names} = loadWeightMap('qwen2.5-vl-7b-instruct.reconstructed.json')
    for (const part of ['gate_proj', 'up_proj', 'down_proj']) {
      expect(names).toContain(`visual.blocks.7.mlp.${part}.weight`)
      expect(qwen.classify(`visual.blocks.7.mlp.${part}.weight`)).toEqual({component: 'vision', layer: 7, tower: null})
      expect(qwen.classify(`visual.blocks.7.mlp.${part}.bias`)).toEqual({component: 'vision', layer: 7, tower: null})
      expect(qwen.classify(`model.layers.7.mlp.${part}.weight`)).toEqual({component: 'language', layer: 7, tower: null})
    }
  })

  it('trap: tied embeddings (Qwen2-VL-2B) have no lm_head; embed_tokens is still shared', () => {
    const {names} = loadWeightMap('qwen2-vl-2b-instruct.reconstructed.json')
    expect(names).not.toContain('lm_head.weight')
    expect(qwen.classify('model.embed_tokens.weight')).toEqual({component: 'shared', layer: null, tower: null})
    expect(countByComponent(qwen, names).shared).toBe(2)
  })

  it('trap: the merger is the bridge and its mlp.0 / mlp.2 indices are not layers', () => {
    expect(qwen.classify('visual.merger.mlp.0.weight')).toEqual({component: 'bridge', layer: null, tower: null})
    expect(qwen.classify('visual.merger.mlp.2.bias')).toEqual({component: 'bridge', layer: null, tower: null})
    expect(qwen.classify('visual.merger.ln_q.weight')).toEqual({component: 'bridge', layer: null, tower: null})
  })

  it('trap: transformers 4.52 layout (model.visual.*, model.language_model.*, top-level lm_head)', () => {
    const {names} = loadWeightMap('qwen2-vl-7b-instruct.transformers-4.52-layout.json')
    expect(names).toContain('model.visual.merger.mlp.2.weight')
    expect(qwen.classify('model.visual.merger.mlp.2.weight').component).toBe('bridge')
    expect(qwen.classify('model.visual.blocks.31.attn.qkv.weight')).toEqual({component: 'vision', layer: 31, tower: null})
    expect(qwen.classify('model.language_model.layers.27.self_attn.q_proj.bias')).toEqual({
      component: 'language',
      layer: 27,
      tower: null,
    })
    expect(qwen.classify('model.language_model.norm.weight').component).toBe('shared')
    expect(qwen.classify('lm_head.weight').component).toBe('shared')
  })
})

describe('qwen2vl adapter on names that are not in the fixtures', () => {
  it('reads the doubled model.language_model.language_model.* of the transformers save bug', () => {
    expect(qwen.classify('model.language_model.language_model.layers.3.mlp.gate_proj.weight')).toEqual({
      component: 'language',
      layer: 3,
      tower: null,
    })
    expect(qwen.classify('model.language_model.language_model.embed_tokens.weight').component).toBe('shared')
    expect(qwen.classify('model.language_model.language_model.norm.weight').component).toBe('shared')
  })

  it('classifies Qwen2.5-VL gated vision blocks in the 4.52 layout by prefix', () => {
    expect(qwen.classify('model.visual.blocks.12.mlp.gate_proj.weight')).toEqual({component: 'vision', layer: 12, tower: null})
    expect(qwen.classify('model.visual.merger.ln_q.weight').component).toBe('bridge')
  })

  it('keeps per-layer norms and unknown top-level buffers out of shared', () => {
    expect(qwen.classify('model.layers.0.input_layernorm.weight')).toEqual({component: 'language', layer: 0, tower: null})
    expect(qwen.classify('model.rotary_emb.inv_freq')).toEqual({component: 'language', layer: null, tower: null})
  })
})
