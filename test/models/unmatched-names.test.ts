import {createAdapter, getAdapter, unmatchedNames} from '../../src/models'

describe('unmatchedNames and rule matches', () => {
  const adapter = createAdapter({
    name: 'toy',
    title: 'Toy',
    modelTypes: [],
    architectures: [],
    signatures: [],
    rules: [
      {component: 'bridge', match: String.raw`proj\.`},
      {component: 'vision', match: String.raw`vit\.`, layer: String.raw`^vit\.blocks\.(\d+)\.`},
      // Matches every name: whatever reaches it is language by default.
      {component: 'language', match: String.raw`(?:lm\.)?`},
    ],
  })

  it('marks a rule that accepts any name as catch-all, and says which rule decided a name', () => {
    expect(adapter.rules.map((r) => [r.index, r.rule.component, r.catchAll])).toEqual([
      [0, 'bridge', false],
      [1, 'vision', false],
      [2, 'language', true],
    ])
    expect(adapter.ruleFor('vit.blocks.0.w')).toMatchObject({index: 1, catchAll: false})
    expect(adapter.ruleFor('lm.layers.0.w')).toMatchObject({index: 2, catchAll: true})
    expect(getAdapter('qwen2vl').ruleFor('lm_head.weight')).toMatchObject({index: 3, catchAll: false})
    expect(getAdapter('qwen2vl').ruleFor('something.else')).toBeNull()
  })

  it('groups names matched by no rule or only a catch-all by prefix, largest group first', () => {
    const names = [
      'proj.weight',
      'vit.blocks.0.w',
      'lm.layers.0.attn.w',
      'lm.layers.1.attn.w',
      'lm.layers.1.mlp.w',
      'query_tokens',
      'lm.norm.weight',
    ]
    expect(unmatchedNames(adapter, names)).toEqual([
      {prefix: 'lm.layers.*', count: 3, matched: 'catch-all', example: 'lm.layers.0.attn.w'},
      {prefix: 'lm.norm.*', count: 1, matched: 'catch-all', example: 'lm.norm.weight'},
      {prefix: 'query_tokens', count: 1, matched: 'catch-all', example: 'query_tokens'},
    ])
    const qwen = getAdapter('qwen2vl')
    expect(unmatchedNames(qwen, ['visual.merger.mlp.0.weight', 'mlp1.0.weight', 'mlp1.1.bias', 'extra.head.proj.weight', 'rotary'])).toEqual([
      {prefix: 'mlp1.*', count: 2, matched: 'none', example: 'mlp1.0.weight'},
      {prefix: 'extra.head.*', count: 1, matched: 'none', example: 'extra.head.proj.weight'},
      {prefix: 'rotary', count: 1, matched: 'none', example: 'rotary'},
    ])
  })
})
