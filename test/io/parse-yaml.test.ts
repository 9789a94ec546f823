import {parseYaml, YamlSyntaxError, type YamlNode} from '../../src/io/parse-yaml'

/** The node as plain values, lines left out. */
function plain(node: YamlNode): unknown {
  if (node.kind === 'scalar') return node.value
  if (node.kind === 'null') return null
  if (node.kind === 'list') return node.items.map(plain)
  return Object.fromEntries(node.entries.map((entry) => [entry.key, plain(entry.value)]))
}

describe('parseYaml', () => {
  it('reads maps, lists of scalars and of maps, flow lists, quotes and comments, with the line of each node', () => {
    const text = [
      '---',
      '# adapter',
      'name: toy   # trailing comment',
      "title: 'it''s # not a comment'",
      'modelTypes: [a, "b, c", \'d\']',
      'empty: []',
      'nothing:',
      'signatures:',
      '- ^x\\.',
      'rules:',
      '  - component: vision',
      "    match: 'v\\.'",
      '',
      '  - component: bridge',
      '    match: "p\\\\."',
      'nested:',
      '  deeper:',
      '    key: value',
    ].join('\n')
    const root = parseYaml(text)
    expect(plain(root)).toEqual({
      name: 'toy',
      title: "it's # not a comment",
      modelTypes: ['a', 'b, c', 'd'],
      empty: [],
      nothing: null,
      signatures: ['^x\\.'],
      rules: [
        {component: 'vision', match: 'v\\.'},
        {component: 'bridge', match: 'p\\.'},
      ],
      nested: {deeper: {key: 'value'}},
    })
    if (root.kind !== 'map') throw new Error('expected a map')
    const rules = root.entries.find((entry) => entry.key === 'rules')!.value
    expect(rules.kind === 'list' && rules.items.map((item) => item.line)).toEqual([11, 14])
    expect(plain(parseYaml('# only a comment\n'))).toBeNull()
  })

  it('reads block scalars and flow maps, which the yaml package reads as any YAML reader does', () => {
    expect(plain(parseYaml('a: |\n  x\n  y\nb: {c: 1, d: [e]}\n'))).toEqual({a: 'x\ny\n', b: {c: '1', d: ['e']}})
  })

  it.each<[string, string]>([
    ['a: 1\n b: 2', 'line 1: Nested mappings are not allowed in compact mappings'],
    ['a: [1, 2', 'line 1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a: [1, , 2]', 'line 1: Unexpected , in flow sequence'],
    ['list:\n  - a\n  b: c', 'line 3: All mapping items must start at the same column'],
    ['a: 1\nb: 2\na: 3', 'line 3: a is set twice'],
    ['a: &x [1, 2]\nb: *x', 'line 2: the alias *x is not supported; write the value out'],
    ['? [a, b]\n: c', 'line 1: a key must be a plain name'],
    // Nesting that would overflow the parser's stack: one line, whatever the depth.
    [`a: ${'['.repeat(20_000)}${']'.repeat(20_000)}`, 'line 1: nested deeper than 256 levels'],
    [`a: ${'{b: '.repeat(300)}1${'}'.repeat(300)}`, 'line 1: nested deeper than 256 levels'],
    ['- '.repeat(20_000) + 'x', 'line 1: nested deeper than 256 levels'],
    [Array.from({length: 300}, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1', 'line 258: nested deeper than 256 levels'],
    [Array.from({length: 20_000}, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1', 'line 514: nested deeper than 256 levels'],
  ])('refuses %j', (text, message) => {
    expect(() => parseYaml(text)).toThrow(YamlSyntaxError)
    expect(() => parseYaml(text)).toThrow(message)
  })
})
