import {detectAdapter, getAdapter, listAdapters} from '../../src/models'
import {describeWithShared} from '../helpers/shared'
import {EXPECTATIONS} from './expectations'
import {loadWeightMap} from './weightmaps'

/** Each fixture's config.json values, as the family's real configs write them. */
const ARCHITECTURES: [string, string][] = [
  ['Qwen2VLForConditionalGeneration', 'qwen2vl'],
  ['Qwen2_5_VLForConditionalGeneration', 'qwen2vl'],
  ['LlavaForConditionalGeneration', 'llava'],
  ['LlavaNextForConditionalGeneration', 'llava'],
  ['LlavaLlamaForCausalLM', 'llava'],
  ['LlavaOnevisionForConditionalGeneration', 'llava_onevision'],
  ['LlavaQwenForCausalLM', 'llava_onevision'],
  ['CogVLMForCausalLM', 'cogvlm'],
  ['MplugOwlForConditionalGeneration', 'mplugowl'],
  ['MPLUGOwl2LlamaForCausalLM', 'mplugowl'],
]

describeWithShared('detectAdapter on the weight-map fixtures', () => {
  for (const [file, {adapter: expected}] of Object.entries(EXPECTATIONS)) {
    describe(file, () => {
      const {modelType, names} = loadWeightMap(file)
      const known = file !== 'logics-thinking-llava-ov-style.json'

      if (known) {
        it(`detects ${expected} from config.json model_type "${modelType}" alone`, () => {
          expect(detectAdapter({config: {model_type: modelType}, names: []})).toEqual({
            adapter: getAdapter(expected),
            reason: `config.json model_type "${modelType}"`,
            fallback: false,
          })
        })
      }

      it(`detects ${expected} from the tensor names alone (config null)`, () => {
        const {adapter, reason} = detectAdapter({config: null, names})
        expect(adapter.name).toBe(expected)
        expect(reason).toMatch(new RegExp(`^tensor name ".+" matches the ${expected} signature$`))
      })

      it(`detects ${expected} from config and names together`, () => {
        expect(detectAdapter({config: {model_type: modelType}, names}).adapter.name).toBe(expected)
      })
    })
  }

  it('an unknown model_type with OneVision-style names (Logics-Thinking) ends on llava_onevision, and says why', () => {
    const {names} = loadWeightMap('logics-thinking-llava-ov-style.json')
    const {adapter, reason} = detectAdapter({config: {model_type: 'logics', architectures: ['LogicsForCausalLM']}, names})
    expect(adapter.name).toBe('llava_onevision')
    expect(reason).toBe(
      'config.json model_type "logics" is not a known family; tensor name ' +
        '"model.vision_tower.vision_towers.1.vision_tower.vision_model.embeddings.patch_embedding.bias" matches the llava_onevision signature',
    )
  })

  it('an lmms-lab OneVision config saying model_type "llava" picks llava, whose rules read lmms-lab names', () => {
    const {names} = loadWeightMap('llava-onevision-qwen2-7b-ov-lmms-lab.reconstructed.json')
    const {adapter} = detectAdapter({config: {model_type: 'llava'}, names})
    expect(adapter.name).toBe('llava')
    expect(adapter.classify('model.vision_tower.vision_tower.vision_model.encoder.layers.25.mlp.fc1.weight')).toEqual({
      component: 'vision',
      layer: 25,
      tower: null,
    })
    expect(adapter.classify('model.image_newline').component).toBe('bridge')
  })

  it('LLaVA-NeXT (CLIP + image_newline) is llava, not llava_onevision, by names alone', () => {
    const {names} = loadWeightMap('llava-v1.6-mistral-7b-hf.reconstructed.json')
    expect(names).toContain('image_newline')
    expect(detectAdapter({config: null, names}).adapter.name).toBe('llava')
  })
})

describe('detectAdapter', () => {
  it.each(ARCHITECTURES)('detects %s from config.json architectures as %s', (architecture, expected) => {
    expect(detectAdapter({config: {architectures: [architecture]}, names: []})).toEqual({
      adapter: getAdapter(expected),
      reason: `config.json architectures "${architecture}"`,
      fallback: false,
    })
  })

  it('prefers model_type over architectures, and skips architectures it does not know', () => {
    expect(detectAdapter({config: {model_type: 'cogvlm2', architectures: ['LlavaForConditionalGeneration']}, names: []}).adapter.name).toBe('cogvlm')
    expect(detectAdapter({config: {architectures: ['Unknown', 'CogVLMForCausalLM']}, names: []}).adapter.name).toBe('cogvlm')
  })

  it('uses the top-level model_type only: text_config.model_type names the LM, not the family', () => {
    const config = {model_type: 'llava_next', text_config: {model_type: 'qwen2_vl'}, vision_config: {model_type: 'cogvlm'}}
    expect(detectAdapter({config, names: []}).adapter.name).toBe('llava')
    const nestedOnly = detectAdapter({config: {text_config: {model_type: 'qwen2_vl'}}, names: ['model.layers.0.mlp.up_proj.weight']})
    expect(nestedOnly.adapter.name).toBe('generic')
  })

  it('ignores config values of the wrong type', () => {
    expect(detectAdapter({config: {model_type: 7, architectures: 'Qwen2VLForConditionalGeneration'}, names: []}).adapter.name).toBe('generic')
  })

  it.each<[string, string]>([
    ['visual.merger.mlp.0.weight', 'qwen2vl'],
    ['model.visual.merger.ln_q.weight', 'qwen2vl'],
    ['multi_modal_projector.linear_1.weight', 'llava'],
    ['model.multi_modal_projector.linear_1.weight', 'llava'],
    ['model.mm_projector.0.weight', 'llava'],
    ['vision_tower.vision_model.embeddings.patch_embedding.bias', 'llava_onevision'],
    ['model.vision_tower.vision_tower.vision_model.embeddings.patch_embedding.bias', 'llava_onevision'],
    ['model.vision.linear_proj.linear_proj.weight', 'cogvlm'],
    ['model.visual_abstractor.visual_fc.weight', 'mplugowl'],
    ['abstractor.visual_fc.weight', 'mplugowl'],
  ])('recognises the signature name %s as %s', (name, expected) => {
    expect(detectAdapter({config: null, names: ['model.layers.0.mlp.up_proj.weight', name]}).adapter.name).toBe(expected)
  })

  it('falls back to the generic adapter for an unknown model, and says why', () => {
    const names = ['transformer.h.0.attn.c_attn.weight', 'transformer.wte.weight', 'lm_head.weight']
    expect(detectAdapter({config: {model_type: 'gpt2', architectures: ['GPT2LMHeadModel']}, names})).toEqual({
      adapter: getAdapter('generic'),
      reason: 'config.json model_type "gpt2" is not a known family and no tensor name matches a family signature: using generic name-based rules',
      fallback: true,
    })
    expect(detectAdapter({config: null, names}).reason).toBe(
      'no config.json value or tensor name identifies a known family: using generic name-based rules',
    )
  })

  it('chooses among the adapters it is given, in their order', () => {
    const onlyLlava = [getAdapter('llava'), getAdapter('generic')]
    const names = ['model.vision_tower.vision_tower.vision_model.embeddings.patch_embedding.bias', 'model.mm_projector.0.weight']
    expect(detectAdapter({config: null, names}).adapter.name).toBe('llava_onevision')
    expect(detectAdapter({config: null, names, adapters: onlyLlava}).adapter.name).toBe('llava')
    expect(detectAdapter({config: {model_type: 'qwen2_vl'}, names: [], adapters: onlyLlava}).adapter.name).toBe('generic')
    expect(listAdapters().at(-1)!.name).toBe('generic')
  })
})
