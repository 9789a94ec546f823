import {CmaamError} from '../../src/errors'
import {detectAdapter, getAdapter, listAdapters, registerAdapter, type AdapterDefinition} from '../../src/models'

const BUILT_IN = ['qwen2vl', 'llava_onevision', 'llava', 'cogvlm', 'mplugowl', 'generic']

const plugin = (extra: Partial<AdapterDefinition> = {}): AdapterDefinition => ({
  name: 'idefics3',
  title: 'Idefics3',
  modelTypes: ['idefics3'],
  architectures: ['Idefics3ForConditionalGeneration'],
  signatures: [String.raw`^model\.connector\.`],
  rules: [
    {component: 'bridge', match: String.raw`model\.connector\.`},
    {component: 'vision', match: String.raw`model\.vision_model\.`, layer: String.raw`\.encoder\.layers\.(\d+)\.`},
    {component: 'shared', match: String.raw`model\.text_model\.(?:embed_tokens|norm)\.|lm_head\.`},
    {component: 'language', match: String.raw`model\.text_model\.layers\.`, layer: String.raw`^model\.text_model\.layers\.(\d+)\.`},
  ],
  ...extra,
})

describe('adapter registry', () => {
  it('lists the built-in adapters in detection order', () => {
    expect(listAdapters().map((adapter) => adapter.name)).toEqual(BUILT_IN)
    for (const name of BUILT_IN) expect(getAdapter(name).name).toBe(name)
  })

  it('gives every built-in a title and distinct model types and architectures', () => {
    const modelTypes = listAdapters().flatMap((adapter) => adapter.definition.modelTypes)
    const architectures = listAdapters().flatMap((adapter) => adapter.definition.architectures)
    expect(new Set(modelTypes).size).toBe(modelTypes.length)
    expect(new Set(architectures).size).toBe(architectures.length)
    for (const adapter of listAdapters()) expect(adapter.title).not.toBe('')
  })

  it('rejects an unknown --model-type with the valid names', () => {
    let error: unknown
    try {
      getAdapter('nope')
    } catch (caught) {
      error = caught
    }

    expect(error).toBeInstanceOf(CmaamError)
    const {message, hint} = error as CmaamError
    expect(message).toBe(
      'unknown model type "nope" (--model-type takes one of: qwen2vl, llava_onevision, llava, cogvlm, mplugowl, generic)',
    )
    expect(hint).toMatch(/config\.json/)
  })

  it('returns a copy of its list', () => {
    listAdapters().pop()
    expect(listAdapters()).toHaveLength(BUILT_IN.length)
  })

  it('registers a declarative adapter, which --model-type and detection then find', () => {
    const adapter = registerAdapter(plugin())
    expect(getAdapter('idefics3')).toBe(adapter)
    // generic stays the last resort: an adapter registered later is tried before it.
    expect(listAdapters().map((candidate) => candidate.name)).toEqual([...BUILT_IN.slice(0, -1), 'idefics3', 'generic'])
    expect(adapter.origin).toEqual({kind: 'code'})
    expect(adapter.classify('model.text_model.layers.2.mlp.up_proj.weight')).toEqual({component: 'language', layer: 2, tower: null})
    expect(adapter.classify('model.connector.modality_projection.proj.weight').component).toBe('bridge')
    expect(detectAdapter({config: {model_type: 'idefics3'}, names: []}).adapter).toBe(adapter)
    expect(detectAdapter({config: null, names: ['model.connector.modality_projection.proj.weight']}).adapter).toBe(adapter)
  })

  it.each<[string, Partial<AdapterDefinition>, RegExp]>([
    ['a taken name', {name: 'llava', modelTypes: [], architectures: []}, /^adapter "llava": an adapter with this name is already registered$/],
    ['a claimed model_type', {name: 'other', modelTypes: ['qwen2_vl'], architectures: []}, /^adapter "other": model_type "qwen2_vl" is already claimed by adapter "qwen2vl"$/],
    [
      'a claimed architecture',
      {name: 'other', modelTypes: [], architectures: ['CogVLMForCausalLM']},
      /^adapter "other": architecture "CogVLMForCausalLM" is already claimed by adapter "cogvlm"$/,
    ],
    ['an invalid definition', {name: 'other', rules: []}, /^adapter "other": "rules" must be a non-empty array$/],
  ])('rejects %s', (_, extra, message) => {
    expect(() => registerAdapter(plugin(extra))).toThrow(CmaamError)
    expect(() => registerAdapter(plugin(extra))).toThrow(message)
  })
})
