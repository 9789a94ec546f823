import {writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {CmaamError} from '../../src/errors'
import {getAdapter, listAdapters, readAdapterFile, validateDefinition} from '../../src/models'
import {internvl} from '../../examples/adapter-plugin-internvl/src/adapters'
import {useTempDir} from '../helpers/temp-dir'

const EXAMPLE_FILE = resolve(__dirname, '..', '..', 'examples', 'adapters', 'internvl.yaml')

async function failure(path: string): Promise<CmaamError> {
  const error = await readAdapterFile(path).catch((caught: unknown) => caught)
  if (error instanceof CmaamError) return error
  throw new Error(`expected a CmaamError, got ${String(error)}`)
}

/** A valid YAML adapter; `rule` replaces the text of its second rule. */
const yaml = (rule = "  - component: vision\n    match: 'toy_vision\\.'\n    layer: '\\.blocks\\.(\\d+)\\.'") =>
  [
    'name: toy',
    'title: Toy VLM',
    'modelTypes: [toy]',
    'architectures: []',
    'signatures: []',
    'rules:',
    "  - component: bridge",
    "    match: 'toy_projector\\.'",
    rule,
    '',
  ].join('\n')

describe('declarative adapter files', () => {
  const tmp = useTempDir()
  const write = (name: string, text: string): string => {
    const path = join(tmp(), name)
    writeFileSync(path, text)
    return path
  }

  it('reads the example InternVL YAML file into the same definition as the example plugin', async () => {
    const adapter = await readAdapterFile(EXAMPLE_FILE)
    expect(adapter.definition).toEqual(internvl)
    expect(adapter.origin).toEqual({kind: 'file', path: EXAMPLE_FILE})
    expect(adapter.classify('mlp1.3.weight')).toEqual({component: 'bridge', layer: null, tower: null})
    expect(adapter.classify('vision_model.encoder.layers.23.attn.qkv.weight')).toEqual({component: 'vision', layer: 23, tower: null})
    expect(adapter.classify('language_model.model.layers.31.attention.wqkv.weight')).toEqual({component: 'language', layer: 31, tower: null})
    expect(adapter.classify('language_model.model.layers.31.self_attn.q_proj.weight')).toEqual({component: 'language', layer: 31, tower: null})
    for (const name of ['language_model.model.tok_embeddings.weight', 'language_model.model.embed_tokens.weight', 'language_model.output.weight', 'language_model.lm_head.weight', 'language_model.model.norm.weight']) {
      expect([name, adapter.classify(name).component]).toEqual([name, 'shared'])
    }
    // Read for one run, not registered.
    expect(listAdapters().map((a) => a.name)).not.toContain('internvl')
  })

  it('reads JSON files with the same fields', async () => {
    const adapter = await readAdapterFile(write('toy.json', JSON.stringify({name: 'toy', title: 'Toy', modelTypes: [], architectures: [], signatures: [], rules: [{component: 'bridge', match: 'p\\.'}]})))
    expect(adapter.classify('p.weight').component).toBe('bridge')
  })

  it('puts built-in definitions through the same validation: each one written to a file reads back unchanged', async () => {
    for (const builtIn of listAdapters()) {
      expect(builtIn.origin).toEqual({kind: 'built-in'})
      expect(validateDefinition(builtIn.definition)).toEqual(builtIn.definition)
      const copy = await readAdapterFile(write(`${builtIn.name}.json`, JSON.stringify(builtIn.definition)))
      expect(copy.definition).toEqual(getAdapter(builtIn.name).definition)
    }
  })

  it.each<[string, string, string]>([
    ['a bad regular expression', "  - component: vision\n    match: 'toy_vision\\.(('", `line 10: adapter "toy": rule 2 "match" "toy_vision\\.((" is not a usable regular expression (missing closing ): \`toy_vision\\.((\`)`],
    ['an unknown component', '  - component: projector\n    match: x', 'line 9: adapter "toy": rule 2 has component "projector"; expected one of vision, bridge, language, shared'],
    ['a layer pattern without a capture group', "  - component: vision\n    match: v\n    layer: '\\.blocks\\.\\d+\\.'", 'line 11: adapter "toy": rule 2 "layer" must have exactly one capture group, it has 0'],
    ['a tower pattern with two groups', "  - component: vision\n    match: v\n    tower: '(a)(b)'", 'line 11: adapter "toy": rule 2 "tower" must have exactly one capture group, it has 2'],
    ['a layer on a bridge rule', "  - component: bridge\n    match: v\n    layer: '(\\d+)'", 'line 11: adapter "toy": rule 2 (bridge) has a "layer" pattern, but bridge parameters have no layer index'],
    ['a misspelt rule key', '  - component: vision\n    matches: v', 'line 10: adapter "toy": rule 2 has unknown field "matches"'],
    ['a rule without match', '  - component: vision', 'line 9: adapter "toy": rule 2 has no "match" pattern'],
    ['a rule that is not a map', '  - vision', 'line 9: adapter "toy": rule 2 is not an object'],
  ])('names the line, the key and the problem for %s', async (_, rule, message) => {
    const path = write('toy.yaml', yaml(rule))
    const error = await failure(path)
    expect(error.message).toBe(`${path} ${message}`)
    expect(error.hint).toMatch(/docs\/adapters\.md/)
  })

  it.each<[string, string, string]>([
    ['an unknown top-level key', yaml() + 'detect: yes\n', 'line 12: adapter "toy": unknown field "detect"'],
    ['a model type list that is a string', yaml().replace('modelTypes: [toy]', 'modelTypes: toy'), 'line 3: adapter "toy": "modelTypes" must be an array of strings'],
    ['a list holding a map', yaml().replace('signatures: []', 'signatures:\n  - a: b'), 'line 6: adapter "toy": "signatures" must be an array of strings'],
    ['an empty title', yaml().replace('title: Toy VLM', 'title:'), 'line 2: adapter "toy": "title" must be a non-empty string'],
    ['a bad name', yaml().replace('name: toy', 'name: Toy Model'), 'line 1: adapter "Toy Model": "name" must be lower-case letters, digits, "_", "-" or "." (it is the --model-type value)'],
    ['a bad signature', yaml().replace('signatures: []', "signatures: ['(']"), 'line 5: adapter "toy": signatures[0] "(" is not a usable regular expression (missing closing ): `(`)'],
    ['a key set twice', yaml() + 'name: again\n', 'line 12: name is set twice'],
    ['a tab', yaml().replace('  - component: bridge', '\t- component: bridge'), 'line 7: Tabs are not allowed as indentation'],
    ['an unterminated quote', yaml().replace("match: 'toy_projector\\.'", "match: 'toy_projector"), "line 8: Missing closing 'quote"],
    ['a YAML alias', yaml().replace('title: Toy VLM', 'title: &t Toy').replace('modelTypes: [toy]', 'modelTypes: *t'), 'line 3: the alias *t is not supported; write the value out'],
  ])('names the line and the problem for %s', async (_, text, message) => {
    const path = write('toy.yml', text)
    expect((await failure(path)).message).toBe(`${path} ${message}`)
  })

  it('reports JSON syntax errors and unreadable files', async () => {
    const json = write('bad.json', '{"name": "toy",')
    expect((await failure(json)).message).toMatch(new RegExp(`^${json} is not valid JSON: `))
    const bad = write('rules.json', JSON.stringify({name: 'toy', title: 'Toy', modelTypes: [], architectures: [], signatures: [], rules: [{component: 'vision', match: 'v', layer: 'x'}]}))
    expect((await failure(bad)).message).toBe(`${bad}: adapter "toy": rule 1 "layer" must have exactly one capture group, it has 0`)
    expect((await failure(join(tmp(), 'missing.yaml'))).message).toBe(`Cannot read the adapter file ${join(tmp(), 'missing.yaml')} (ENOENT)`)
  })
})
