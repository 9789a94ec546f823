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

  it.each<[string, string]>([
    ['a: 1\n b: 2', 'line 2: unexpected indentation in "b: 2"'],
    ['a: [1, 2', 'line 1: unterminated list "[1, 2"'],
    ['a: [1, , 2]', 'line 1: empty item in "[1, , 2]"'],
    ['a: |', 'line 1: "|" uses YAML syntax cmaam does not read; put the value in quotes'],
    ['a: {b: 1}', 'line 1: "{b: 1}" uses YAML syntax cmaam does not read; put the value in quotes'],
    ['list:\n  - a\n  b: c', 'line 3: unexpected indentation in "b: c"'],
  ])('refuses %j', (text, message) => {
    expect(() => parseYaml(text)).toThrow(YamlSyntaxError)
    expect(() => parseYaml(text)).toThrow(message)
  })
})
