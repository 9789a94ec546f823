import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'
import {tensorBytes} from '../merge/helpers'
import {INTERNVL, writeInternvlPair} from './internvl-pair'

const ADAPTER_FILE = resolve(__dirname, '..', '..', 'examples', 'adapters', 'internvl.yaml')
const counts = {vision: INTERNVL.vision.length, bridge: INTERNVL.bridge.length, language: INTERNVL.language.length, shared: INTERNVL.shared.length}

describe('--adapter files, cmaam adapters, and models no adapter recognises', () => {
  const tmp = useTempDir()
  // No plugins: an adapter plugin the developer installed would recognise the test models.
  const saved = process.env.XDG_DATA_HOME
  let noPlugins = ''
  beforeAll(() => {
    noPlugins = mkdtempSync(join(tmpdir(), 'cmaam-no-plugins-'))
    process.env.XDG_DATA_HOME = noPlugins
  })
  afterAll(() => {
    if (saved === undefined) delete process.env.XDG_DATA_HOME
    else process.env.XDG_DATA_HOME = saved
    rmSync(noPlugins, {recursive: true, force: true})
  })

  it('warns on stderr when an unknown model falls back to the generic rules, with the unmatched prefixes', async () => {
    const {source, target} = await writeInternvlPair(tmp())
    const inspect = await cmaam(['inspect', target, '--json'])
    expect(inspect.code).toBe(0)
    const report = JSON.parse(inspect.stdout)
    expect(report.model_type).toBe('generic')
    expect(report.model_type_fallback).toBe(true)
    // The generic rules know neither InternVL's projector name nor InternLM2's embedding and head names.
    expect(report.unmatched.map((g: {prefix: string; count: number}) => [g.prefix, g.count])).toEqual([
      ['mlp1.*', 6],
      ['language_model.model.*', 1],
      ['language_model.output.*', 1],
    ])
    const warning = [
      `Warning: no adapter recognises ${target} (config.json model_type "internvl_chat" is not a known family and no tensor name matches a family signature: using generic name-based rules); its tensors were classified by the generic name-based rules, which may split the model wrongly.`,
      '  8 names matched no rule and count as language: mlp1.* (6), language_model.model.* (1), language_model.output.* (1)',
      `  Check the split with \`cmaam adapters test generic ${target}\`; to add this family, see docs/adapters.md (an --adapter file or a plugin).`,
    ].join('\n')
    expect(inspect.stderr).toBe(`${warning}\n`)

    const analyze = await cmaam(['analyze', '-s', source, '-t', target, '--json'])
    expect(analyze.code).toBe(0)
    expect(analyze.stderr).toBe(`${warning}\n`)
    expect(JSON.parse(analyze.stdout)).toMatchObject({model_type: 'generic', model_type_fallback: true})
  })

  it('merge refuses a model no adapter recognises unless --model-type generic is explicit', async () => {
    const {source, target} = await writeInternvlPair(tmp())
    const refused = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'merged')])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`Error: No adapter recognises ${target} (config.json model_type "internvl_chat" is not a known family`)
    expect(refused.stderr).toContain('refusing to merge with guessed components')
    expect(refused.stderr).toContain('8 names matched no generic rule and would count as language: mlp1.* (6), language_model.model.* (1), language_model.output.* (1).')
    expect(refused.stderr).toContain(`cmaam adapters test generic ${target}`)
    expect(refused.stderr).toContain('pass --model-type generic to merge with the generic rules anyway')
    expect(refused.stderr).not.toContain('bug')

    const explicit = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'merged'), '--model-type', 'generic', '--json'])
    expect(explicit.code).toBe(0)
    expect(explicit.stderr).toBe('')
    const record = JSON.parse(explicit.stdout)
    expect(record.config).toMatchObject({model_type: 'generic', model_type_reason: '--model-type'})
    // The generic split: the 8 unmatched names land in language.
    expect(record.compatibility.coverage).toEqual({
      vision: {merged: counts.vision, kept: 0, copied: 0},
      bridge: {merged: 0, kept: 0, copied: 0},
      language: {merged: counts.language + 8, kept: 0, copied: 0},
      shared: {merged: 1, kept: 0, copied: 0},
    })
  })

  it('--adapter FILE classifies the model for one run, is recorded with the merge, and replays from cmaam_config.yaml', async () => {
    const {source, target} = await writeInternvlPair(tmp())
    const inspect = await cmaam(['inspect', target, '--adapter', ADAPTER_FILE, '--json'])
    expect(inspect.code).toBe(0)
    expect(inspect.stderr).toBe('')
    expect(JSON.parse(inspect.stdout)).toMatchObject({model_type: 'internvl', model_type_reason: `--adapter ${ADAPTER_FILE}`, model_type_fallback: false, counts, unmatched: []})

    const analyze = await cmaam(['analyze', '-s', source, '-t', target, '--adapter', ADAPTER_FILE, '--json'])
    expect(analyze.code).toBe(0)
    expect(JSON.parse(analyze.stdout).analysis.alignment).toBeDefined()

    const out = join(tmp(), 'merged')
    const merge = await cmaam(['merge', '-s', source, '-t', target, '-o', out, '--adapter', ADAPTER_FILE, '--json'])
    expect(merge.code).toBe(0)
    expect(JSON.parse(merge.stdout).config).toMatchObject({model_type: 'internvl', model_type_reason: `--adapter ${ADAPTER_FILE}`})
    expect(readFileSync(join(out, 'cmaam_config.yaml'), 'utf8')).toContain('\nmodel-type: auto\nadapter: cmaam_adapter.json\n')
    const written = JSON.parse(readFileSync(join(out, 'cmaam_adapter.json'), 'utf8'))
    expect(written.name).toBe('internvl')
    expect(written.rules).toHaveLength(5)
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('--adapter cmaam_adapter.json')

    // The replay reads the adapter beside the config, wherever it is run from.
    const again = await cmaam(['merge', '--config', join(out, 'cmaam_config.yaml'), '--output', join(tmp(), 'again'), '--json'])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout).config).toMatchObject({model_type: 'internvl', model_type_reason: `--adapter ${join(out, 'cmaam_adapter.json')}`})
    const a = await tensorBytes(out)
    const b = await tensorBytes(join(tmp(), 'again'))
    for (const [name, bytes] of a) expect([name, b.get(name)!.equals(bytes)]).toEqual([name, true])

    const both = await cmaam(['inspect', target, '--adapter', ADAPTER_FILE, '--model-type', 'qwen2vl'])
    expect(both.code).toBe(1)
    expect(both.stderr).toContain('Error: --adapter and --model-type qwen2vl both choose the adapter')
  })

  it('prints an adapter file error with the file, line, key and problem', async () => {
    const {target} = await writeInternvlPair(tmp())
    const bad = join(tmp(), 'bad.yaml')
    writeFileSync(bad, readFileSync(ADAPTER_FILE, 'utf8').replace("layer: '^vision_model\\.encoder\\.layers\\.(\\d+)\\.'", "layer: '^vision_model\\.encoder\\.layers\\.\\d+\\.'"))
    const run = await cmaam(['inspect', target, '--adapter', bad])
    expect(run.code).toBe(1)
    expect(run.stderr.split('\n')[0]).toBe(`Error: ${bad} line 22: adapter "internvl": rule 4 "layer" must have exactly one capture group, it has 0`)
  })

  it('adapters test reports counts per component and tower, layer ranges and unrecognised names; --strict fails on them', async () => {
    const {target} = await writeInternvlPair(tmp())
    const generic = await cmaam(['adapters', 'test', 'generic', target, '--json'])
    expect(generic.code).toBe(0)
    const report = JSON.parse(generic.stdout)
    expect(report.tensors).toBe(Object.values(counts).reduce((a, b) => a + b, 0))
    expect(report.unmatched_names).toEqual([
      {name: 'language_model.model.tok_embeddings.weight', matched: 'none'},
      {name: 'language_model.output.weight', matched: 'none'},
      ...INTERNVL.bridge.map(([name]) => ({name, matched: 'none'})).sort((x, y) => (x.name < y.name ? -1 : 1)),
    ])
    const strict = await cmaam(['adapters', 'test', 'generic', target, '--strict'])
    expect(strict.code).toBe(1)
    expect(strict.stdout).toContain('8 names matched by no rule (counted as language) or only a catch-all: mlp1.* (6), language_model.model.* (1), language_model.output.* (1)')
    expect(strict.stdout).toContain('\n  mlp1.3.bias\n')
    expect(strict.stderr).toContain(`Error: --strict: 8 names of ${target} are not recognised by adapter generic`)

    const file = await cmaam(['adapters', 'test', ADAPTER_FILE, target, '--strict', '--json'])
    expect(file.code).toBe(0)
    expect(JSON.parse(file.stdout)).toMatchObject({
      adapter: 'internvl',
      unmatched_names: [],
      towers: [
        {component: 'vision', tower: null, tensors: counts.vision, layers: {first: 0, last: 1, count: 2, missing: []}},
        {component: 'bridge', tower: null, tensors: counts.bridge, layers: null},
        {component: 'language', tower: null, tensors: counts.language, layers: {first: 0, last: 1, count: 2, missing: []}},
        {component: 'shared', tower: null, tensors: counts.shared, layers: null},
      ],
    })
    const text = await cmaam(['adapters', 'test', ADAPTER_FILE, target])
    expect(text.stdout).toContain('every name is matched by a specific rule')
    expect(text.stdout).toMatch(/^vision\s+32\s+0–1 \(2\)$/m)
  })

  it('adapters test finds layer gaps and towers, and reads an index alone', async () => {
    const dir = join(tmp(), 'ov')
    expect((await cmaam(['example', '--family', 'llava_onevision', '--out', dir, '--quiet'])).code).toBe(0)
    const run = await cmaam(['adapters', 'test', 'llava_onevision', join(dir, 'llava_onevision', 'target'), '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.unmatched_names).toEqual([])
    expect(report.towers.map((t: {component: string; layers: unknown}) => [t.component, t.layers])).toEqual([
      ['vision', {first: 0, last: 1, count: 2, missing: []}],
      ['bridge', null],
      ['language', {first: 0, last: 1, count: 2, missing: []}],
      ['shared', null],
    ])
    const index = join(tmp(), 'index', 'model.safetensors.index.json')
    mkdirSync(join(tmp(), 'index'))
    const names = ['visual.merger.mlp.0.weight', 'visual.blocks.0.mlp.fc1.weight', 'visual.blocks.2.mlp.fc1.weight', 'model.layers.0.mlp.up_proj.weight', 'model.embed_tokens.weight']
    writeFileSync(index, JSON.stringify({metadata: {}, weight_map: Object.fromEntries(names.map((n) => [n, 'model-00001-of-00002.safetensors']))}))
    const fromIndex = JSON.parse((await cmaam(['adapters', 'test', 'qwen2vl', index, '--json'])).stdout)
    expect(fromIndex.towers[0]).toEqual({component: 'vision', tower: null, tensors: 2, layers: {first: 0, last: 2, count: 2, missing: [1]}})
  })

  it('adapters list shows an --adapter file first, with where it comes from', async () => {
    const list = JSON.parse((await cmaam(['adapters', 'list', '--adapter', ADAPTER_FILE, '--json'])).stdout)
    expect(list.map((a: {name: string}) => a.name)).toEqual(['internvl', 'qwen2vl', 'llava_onevision', 'llava', 'cogvlm', 'mplugowl', 'generic'])
    expect(list[0]).toEqual({name: 'internvl', title: 'InternVL2 / InternVL2.5', origin: {kind: 'file', path: ADAPTER_FILE}, model_types: ['internvl_chat'], architectures: ['InternVLChatModel']})
    expect(list[1].origin).toEqual({kind: 'built-in'})
    expect((await cmaam(['adapters', 'list', '--adapter', ADAPTER_FILE])).stdout).toContain(`internvl         InternVL2 / InternVL2.5 · file ${ADAPTER_FILE}\n`)
  })

  it('adapters show prints the rules in the order they are tried; --json the definition', async () => {
    const text = await cmaam(['adapters', 'show', 'qwen2vl'])
    expect(text.code).toBe(0)
    const lines = text.stdout.split('\n').filter((line) => /^\s+\d+\. /.test(line))
    expect(lines.map((line) => line.trim().split(/\s+/)[1])).toEqual(['bridge', 'shared', 'shared', 'vision', 'language'])
    const json = JSON.parse((await cmaam(['adapters', 'show', ADAPTER_FILE, '--json'])).stdout)
    expect(json).toMatchObject({name: 'internvl', origin: {kind: 'file', path: ADAPTER_FILE}})
    expect(json.definition.modelTypes).toEqual(['internvl_chat'])
    const unknown = await cmaam(['adapters', 'show', 'nope'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('Error: unknown model type "nope" (--model-type takes one of: qwen2vl, llava_onevision, llava, cogvlm, mplugowl, generic)')
  })
})
