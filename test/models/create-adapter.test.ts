import {CmaamError} from '../../src/errors'
import {createAdapter, listAdapters, type AdapterDefinition, type AdapterRule} from '../../src/models'

const base = (rules: AdapterRule[], extra: Partial<AdapterDefinition> = {}): AdapterDefinition => ({
  name: 'toy',
  title: 'Toy model',
  modelTypes: ['toy'],
  architectures: ['ToyForConditionalGeneration'],
  signatures: [String.raw`^toy_projector\.`],
  rules,
  ...extra,
})

const visionRule: AdapterRule = {component: 'vision', match: 'v'}
const one = (rule: AdapterRule): AdapterDefinition => base([rule])

function failure(run: () => unknown): CmaamError {
  try {
    run()
  } catch (error) {
    if (error instanceof CmaamError) return error
    throw error
  }

  throw new Error('expected a CmaamError')
}

describe('createAdapter', () => {
  it('tries rules in the order bridge → shared → vision → language, whatever order they are listed in', () => {
    const adapter = createAdapter(
      base([
        {component: 'language', match: String.raw`tower\.`},
        {component: 'vision', match: String.raw`tower\.`},
        {component: 'shared', match: String.raw`tower\.norm\.`},
        {component: 'bridge', match: String.raw`tower\.proj\.`},
      ]),
    )
    expect(adapter.classify('tower.proj.weight').component).toBe('bridge')
    expect(adapter.classify('tower.norm.weight').component).toBe('shared')
    expect(adapter.classify('tower.blocks.0.weight').component).toBe('vision')
  })

  it('tries the rules of one component in their listed order, first match wins', () => {
    const adapter = createAdapter(
      base([
        {component: 'vision', match: String.raw`enc\.a\.`, tower: String.raw`^enc\.(a)\.`},
        {component: 'vision', match: String.raw`enc\.`, tower: String.raw`^(enc)\.`},
      ]),
    )
    expect(adapter.classify('enc.a.x').tower).toBe('a')
    expect(adapter.classify('enc.b.x').tower).toBe('enc')
  })

  it('anchors match at the start of the name', () => {
    const adapter = createAdapter(base([{component: 'vision', match: String.raw`visual\.`}]))
    expect(adapter.classify('visual.blocks.0.x').component).toBe('vision')
    expect(adapter.classify('model.layers.0.visual.x').component).toBe('language')
    // An alternation in a rule stays inside the anchor.
    const alternatives = createAdapter(base([{component: 'bridge', match: 'a|b'}]))
    expect(alternatives.classify('xb').component).toBe('language')
    expect(alternatives.classify('b.x').component).toBe('bridge')
  })

  it('gives a name that matches no rule language, no layer, no tower', () => {
    const adapter = createAdapter(base([{component: 'vision', match: String.raw`visual\.`}]))
    expect(adapter.classify('something.else')).toEqual({component: 'language', layer: null, tower: null})
  })

  it('reads the layer and tower from the rule’s capture groups, null when they do not match', () => {
    const adapter = createAdapter(
      base([
        {
          component: 'vision',
          match: String.raw`towers\.\d+\.`,
          layer: String.raw`\.layers\.(\d+)\.`,
          tower: String.raw`^towers\.(\d+)\.`,
        },
      ]),
    )
    expect(adapter.classify('towers.1.layers.12.fc.weight')).toEqual({component: 'vision', layer: 12, tower: '1'})
    expect(adapter.classify('towers.1.embeddings.weight')).toEqual({component: 'vision', layer: null, tower: '1'})
  })

  it('rejects a layer pattern on bridge and shared rules: they never have a layer index', () => {
    for (const component of ['bridge', 'shared'] as const) {
      const error = failure(() => createAdapter(base([{component, match: 'x', layer: String.raw`(\d+)`}])))
      expect(error.message).toMatch(new RegExp(`^adapter "toy": rule 1 \\(${component}\\) has a "layer" pattern`))
      expect(error.hint).toBeDefined()
    }
  })

  it('throws a CmaamError naming the adapter when a layer pattern captures something other than digits', () => {
    const adapter = createAdapter(base([{component: 'vision', match: 'v', layer: String.raw`v\.(\w+)\.`}]))
    expect(adapter.classify('v.7.x').layer).toBe(7)
    expect(failure(() => adapter.classify('v.ab.x')).message).toMatch(/^adapter "toy": the layer pattern captured "ab"/)
  })

  it.each<[string, unknown, RegExp]>([
    ['a bad match regex', one({component: 'vision', match: 'visual\\.(('}), /^adapter "toy": rule 1 "match" "visual\\\.\(\(" is not a usable regular expression/],
    ['a bad layer regex', one({component: 'vision', match: 'v', layer: '(\\d+'}), /^adapter "toy": rule 1 "layer" .* is not a usable regular/],
    ['a bad tower regex', one({component: 'vision', match: 'v', tower: '[0-'}), /^adapter "toy": rule 1 "tower" .* is not a usable regular/],
    ['a bad signature regex', base([visionRule], {signatures: ['(']}), /^adapter "toy": signatures\[0\] .* is not a usable regular/],
    ['an unknown component', one({component: 'projector' as never, match: 'v'}), /^adapter "toy": rule 1 has component "projector"; expected one of vision, bridge, language, shared$/],
    ['a missing match', one({component: 'vision'} as AdapterRule), /^adapter "toy": rule 1 has no "match" pattern$/],
    ['a layer pattern without a group', one({...visionRule, layer: String.raw`\d+`}), /^adapter "toy": rule 1 "layer" must have exactly one capture group, it has 0$/],
    ['a tower pattern with two groups', one({...visionRule, tower: '(a)(b)'}), /^adapter "toy": rule 1 "tower" must have exactly one capture group, it has 2$/],
    ['a misspelt rule field', one({...visionRule, layers: '(\\d+)'} as AdapterRule), /^adapter "toy": rule 1 has unknown field "layers"$/],
    ['no rules', base([]), /^adapter "toy": "rules" must be a non-empty array$/],
    ['a missing title', {...base([visionRule]), title: undefined}, /^adapter "toy": "title" must be a non-empty string$/],
    ['missing modelTypes', {...base([visionRule]), modelTypes: undefined}, /^adapter "toy": "modelTypes" must be an array of strings$/],
    ['an unknown top-level field', {...base([visionRule]), rule: []}, /^adapter "toy": unknown field "rule"$/],
    ['a name unusable as --model-type', base([visionRule], {name: 'My Model'}), /^adapter "My Model": "name" must be lower-case/],
    ['a missing name', {...base([visionRule]), name: undefined}, /^adapter definition: "name" must be/],
    ['not an object', 'qwen2vl', /^adapter definition: the definition is not an object$/],
  ])('rejects a definition with %s', (_, definition, message) => {
    const error = failure(() => createAdapter(definition as AdapterDefinition))
    expect(error.message).toMatch(message)
    expect(error.message).not.toContain('\n')
    expect(error.hint).toMatch(/rules/)
  })

  it('keeps a frozen copy of the definition: later changes to the caller’s object change nothing', () => {
    const definition = base([{component: 'vision', match: String.raw`visual\.`}])
    const adapter = createAdapter(definition)
    definition.rules[0].component = 'bridge'
    definition.rules.push({component: 'shared', match: 'model'})
    expect(adapter.classify('visual.x').component).toBe('vision')
    expect(adapter.classify('model.x').component).toBe('language')
    expect(Object.isFrozen(adapter.definition)).toBe(true)
    expect(Object.isFrozen(adapter.definition.rules[0])).toBe(true)
    expect(adapter.definition.rules).toEqual([{component: 'vision', match: String.raw`visual\.`}])
  })

  it('accepts every built-in definition after a JSON round trip (definitions are plain data)', () => {
    const names = [
      'visual.merger.mlp.0.weight',
      'model.vision_tower.vision_towers.1.vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight',
      'model.vision.linear_proj.gate_proj.weight',
      'model.visual_abstractor.query_embeds',
      'model.language_model.layers.9.mlp.up_proj.weight',
      'lm_head.weight',
    ]
    for (const adapter of listAdapters()) {
      const copy = JSON.parse(JSON.stringify(adapter.definition)) as AdapterDefinition
      expect(copy).toEqual(adapter.definition)
      const rebuilt = createAdapter(copy)
      expect(names.map((name) => rebuilt.classify(name))).toEqual(names.map((name) => adapter.classify(name)))
    }
  })
})
