import {spawnSync} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {cmaam} from '../helpers/cli'
import {INTERNVL, writeInternvlPair} from './internvl-pair'

const ROOT = resolve(__dirname, '..', '..')
const EXAMPLE = join(ROOT, 'examples', 'adapter-plugin-internvl')

/** Builds the example plugin as its author would (tsc), into a folder of its own, resolving `cmaam` to this checkout's build. */
function buildExamplePlugin(dir: string): string {
  const plugin = join(dir, 'cmaam-adapter-internvl')
  mkdirSync(plugin, {recursive: true})
  cpSync(join(EXAMPLE, 'package.json'), join(plugin, 'package.json'))
  const tsconfig = join(dir, 'tsconfig.json')
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(EXAMPLE, 'tsconfig.json'),
      compilerOptions: {rootDir: join(EXAMPLE, 'src'), outDir: join(plugin, 'dist'), baseUrl: ROOT, paths: {cmaam: ['dist/index.d.ts']}},
      include: [join(EXAMPLE, 'src')],
    }),
  )
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], {encoding: 'utf8'})
  if (tsc.status !== 0) throw new Error(`building the example plugin failed:\n${tsc.stdout}${tsc.stderr}`)
  return plugin
}

/** A plugin package in plain JavaScript whose cmaam:adapters hook has the given body. */
function writePlugin(dir: string, name: string, body: string): string {
  const plugin = join(dir, name)
  mkdirSync(plugin, {recursive: true})
  writeFileSync(join(plugin, 'package.json'), JSON.stringify({name, version: '1.0.0', main: 'hook.js', oclif: {hooks: {'cmaam:adapters': './hook.js'}}}))
  writeFileSync(join(plugin, 'hook.js'), `module.exports = async function () {\n${body}\n}\n`)
  return plugin
}

/**
 * `cmaam …` as a user runs it, in a child process: @oclif/plugin-plugins is an ES module, which
 * jest's CommonJS runtime cannot load in-process.
 */
function cmaamProcess(args: string[]): {stdout: string; stderr: string; code: number | null} {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1', FORCE_COLOR: '0'}})
  return {stdout: run.stdout, stderr: run.stderr, code: run.status}
}

const count = (component: keyof typeof INTERNVL): number => INTERNVL[component].length

describe('adapter plugins through the cmaam:adapters hook', () => {
  let dir = ''
  const saved = process.env.XDG_DATA_HOME
  /** Each test installs plugins into a data folder of its own, as a separate user would. */
  const useDataHome = (name: string): void => {
    process.env.XDG_DATA_HOME = join(dir, name)
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cmaam-plugins-'))
  })
  afterAll(() => {
    if (saved === undefined) delete process.env.XDG_DATA_HOME
    else process.env.XDG_DATA_HOME = saved
    rmSync(dir, {recursive: true, force: true})
  })

  it('`plugins link` of the built example registers InternVL: adapters list shows it, inspect and merge classify InternVL with it', async () => {
    useDataHome('example')
    const plugin = buildExamplePlugin(join(dir, 'build'))
    expect(cmaamProcess(['plugins', 'link', plugin, '--no-install']).code).toBe(0)
    expect(cmaamProcess(['plugins']).stdout).toContain('cmaam-adapter-internvl 0.1.0 (link)')
    expect(cmaamProcess(['adapters', 'list']).stdout).toMatch(/^internvl\s+InternVL2 \/ InternVL2\.5 · plugin cmaam-adapter-internvl$/m)

    const list = await cmaam(['adapters', 'list', '--json'])
    expect(list.code).toBe(0)
    expect(list.stderr).toBe('')
    const adapters = JSON.parse(list.stdout) as Array<{name: string; origin: unknown; model_types: string[]}>
    // Plugin adapters come after the built-ins and before generic, the last resort.
    expect(adapters.map((a) => a.name)).toEqual(['qwen2vl', 'llava_onevision', 'llava', 'cogvlm', 'mplugowl', 'internvl', 'generic'])
    expect(adapters[5]).toEqual({
      name: 'internvl',
      title: 'InternVL2 / InternVL2.5',
      origin: {kind: 'plugin', plugin: 'cmaam-adapter-internvl'},
      model_types: ['internvl_chat'],
      architectures: ['InternVLChatModel'],
    })

    const pair = await writeInternvlPair(join(dir, 'pair'))
    const inspect = await cmaam(['inspect', pair.target, '--json'])
    expect(inspect.code).toBe(0)
    expect(inspect.stderr).toBe('')
    const report = JSON.parse(inspect.stdout)
    expect(report.model_type).toBe('internvl')
    expect(report.model_type_reason).toBe('config.json model_type "internvl_chat"')
    expect(report.counts).toEqual({vision: count('vision'), bridge: count('bridge'), language: count('language'), shared: count('shared')})
    expect(report.unmatched).toEqual([])
    const layerOf = (name: string) => report.tensors.find((t: {name: string}) => t.name === name).layer
    expect(layerOf('vision_model.encoder.layers.1.attn.qkv.weight')).toBe(1)
    expect(layerOf('language_model.model.layers.1.feed_forward.w2.weight')).toBe(1)

    const merge = await cmaam(['merge', '-s', pair.source, '-t', pair.target, '-o', join(dir, 'merged'), '--json'])
    expect(merge.code).toBe(0)
    const record = JSON.parse(merge.stdout)
    expect(record.config.model_type).toBe('internvl')
    expect(record.compatibility.coverage).toEqual({
      vision: {merged: count('vision'), kept: 0, copied: 0},
      bridge: {merged: count('bridge'), kept: 0, copied: 0},
      language: {merged: count('language'), kept: 0, copied: 0},
      shared: {merged: count('shared'), kept: 0, copied: 0},
    })
  })

  it('reports a throwing, an invalid and a trespassing plugin once each by name and skips them; commands keep working', async () => {
    useDataHome('broken')
    const plugins = join(dir, 'broken-plugins')
    const good = {name: 'toyvlm', title: 'Toy VLM', modelTypes: ['toyvlm'], architectures: [], signatures: [], rules: [{component: 'vision', match: 'toy_vision\\.'}]}
    const links = [
      writePlugin(plugins, 'cmaam-adapter-throws', "throw new Error('cannot read my rules')"),
      writePlugin(plugins, 'cmaam-adapter-invalid', `return [${JSON.stringify(good)}, {name: 'half', title: 'Half', modelTypes: [], architectures: [], signatures: [], rules: [{component: 'vision', match: 'v', layer: '\\\\d+'}]}]`),
      writePlugin(plugins, 'cmaam-adapter-trespass', `return [{...${JSON.stringify(good)}, name: 'qwen-fork', modelTypes: ['qwen2_vl']}]`),
      writePlugin(plugins, 'cmaam-adapter-object', `return ${JSON.stringify(good)}`),
    ]
    for (const plugin of links) expect(cmaamProcess(['plugins', 'link', plugin, '--no-install']).code).toBe(0)

    // Commands that do not classify tensors do not run the hook.
    const example = await cmaam(['example', '--family', 'llava', '--out', join(dir, 'ex'), '--quiet'])
    expect(example).toMatchObject({code: 0, stderr: ''})
    const warnings = [
      'Warning: plugin cmaam-adapter-throws skipped: its cmaam:adapters hook failed: cannot read my rules',
      'Warning: plugin cmaam-adapter-invalid skipped: adapter "half": rule 1 "layer" must have exactly one capture group, it has 0',
      'Warning: plugin cmaam-adapter-object skipped: its cmaam:adapters hook returned an object, not an array of adapter definitions',
      'Warning: plugin cmaam-adapter-trespass skipped: adapter "qwen-fork": model_type "qwen2_vl" is already claimed by adapter "qwen2vl"',
    ]
    const inspect = await cmaam(['inspect', join(dir, 'ex', 'llava', 'target'), '--json'])
    expect(inspect.code).toBe(0)
    expect(JSON.parse(inspect.stdout).model_type).toBe('llava')
    expect(inspect.stderr.trim().split('\n')).toEqual(warnings)
    const merge = await cmaam(['merge', '-s', join(dir, 'ex', 'llava', 'source'), '-t', join(dir, 'ex', 'llava', 'target'), '-o', join(dir, 'merged-llava'), '--json'])
    expect(merge.code).toBe(0)
    expect(JSON.parse(merge.stdout).config.model_type).toBe('llava')
    expect(merge.stderr.trim().split('\n')).toEqual(warnings)

    // The valid first definition of the invalid plugin is not registered either: a plugin is all or nothing.
    const list = JSON.parse((await cmaam(['adapters', 'list', '--json'])).stdout) as Array<{name: string}>
    expect(list.map((a) => a.name)).toEqual(['qwen2vl', 'llava_onevision', 'llava', 'cogvlm', 'mplugowl', 'generic'])
  })
})
