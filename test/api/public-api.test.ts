import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
// The package by its name, as a user's code imports it: resolved through package.json `exports`
// (a package may require itself by name) to the built dist/index.js; tsconfig maps the types only.
import * as lib from 'cmaam'
import type {ProgressEvent} from 'cmaam'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'

const ROOT = join(__dirname, '..', '..')

/** Bytes of tensor data in a safetensors file, from its header, independently of cmaam's reader. */
function tensorBytes(path: string): number {
  const file = readFileSync(path)
  const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString('utf8')) as Record<string, {shape?: number[]; data_offsets?: [number, number]}>
  let bytes = 0
  for (const entry of Object.values(header)) if (entry.data_offsets) bytes += entry.data_offsets[1] - entry.data_offsets[0]
  return bytes
}

/** Calls `run` and returns what reached stdout and stderr meanwhile (nothing is passed through). */
async function captureOutput<T>(run: () => Promise<T>): Promise<{result: T; written: string[]}> {
  const written: string[] = []
  const capture = (chunk: unknown): boolean => {
    written.push(String(chunk))
    return true
  }
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture)
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture)
  try {
    return {result: await run(), written}
  } finally {
    stdout.mockRestore()
    stderr.mockRestore()
  }
}

/** Events of one pass: they start at 0, never go back, and end at the total. */
function passes(events: ProgressEvent[]): Map<string, ProgressEvent[]> {
  const byLabel = new Map<string, ProgressEvent[]>()
  for (const event of events) byLabel.set(event.label, [...(byLabel.get(event.label) ?? []), event])
  for (const [, list] of byLabel) {
    expect(list[0].done).toBe(0)
    for (let i = 1; i < list.length; i++) expect(list[i].done).toBeGreaterThanOrEqual(list[i - 1].done)
    expect(list.at(-1)!.done).toBe(list[0].total)
  }
  return byLabel
}

describe('the public entry (require("cmaam"))', () => {
  const tmp = useTempDir()
  const saved = process.env.XDG_DATA_HOME

  let noPlugins = ''
  beforeAll(() => {
    // The CLI runs below are compared with the library, which loads no plugins: keep the developer's out.
    noPlugins = mkdtempSync(join(tmpdir(), 'cmaam-no-plugins-'))
    process.env.XDG_DATA_HOME = noPlugins
  })

  afterAll(() => {
    if (saved === undefined) delete process.env.XDG_DATA_HOME
    else process.env.XDG_DATA_HOME = saved
    rmSync(noPlugins, {recursive: true, force: true})
  })

  it('resolves through package.json exports to the built dist/index.js, and hides the internals', () => {
    expect(require.resolve('cmaam')).toBe(join(ROOT, 'dist', 'index.js'))
    expect(() => require('cmaam/dist/merge/run-merge')).toThrow(/Cannot find module 'cmaam\/dist\/merge\/run-merge'/)
    expect(require('cmaam/package.json').exports['.']).toEqual({types: './dist/index.d.ts', default: './dist/index.js'})
  })

  it('analyze and merge an example pair: progress as events, nothing printed, the records `--json` prints', async () => {
    const dir = tmp()
    expect((await cmaam(['example', '--family', 'qwen2vl', '--out', dir, '--quiet'])).code).toBe(0)
    const source = join(dir, 'qwen2vl', 'source')
    const target = join(dir, 'qwen2vl', 'target')
    const sourceBytes = tensorBytes(join(source, 'model.safetensors'))
    const targetBytes = tensorBytes(join(target, 'model.safetensors'))

    const analyzeEvents: ProgressEvent[] = []
    const mergeEvents: ProgressEvent[] = []
    const warnings: string[] = []
    const {result, written} = await captureOutput(async () => ({
      analysis: await lib.analyze({source, target, onProgress: (event) => analyzeEvents.push(event), onWarning: (message) => warnings.push(message)}),
      record: await lib.merge({source, target, output: join(dir, 'library', 'merged'), analyze: true, onProgress: (event) => mergeEvents.push(event), onWarning: (message) => warnings.push(message)}),
    }))
    expect(written).toEqual([])
    expect(warnings).toEqual([])

    // Pass 1 reads the source and the target (and the merger twice); pass 2 reads them again and writes the merge.
    const analyzePasses = passes(analyzeEvents)
    expect([...analyzePasses.keys()]).toEqual(['pass 1/2 statistics'])
    // Pass 1 reads every byte once, the merger matrices whose spectra it takes included.
    expect(analyzePasses.get('pass 1/2 statistics')![0]).toEqual({label: 'pass 1/2 statistics', done: 0, total: sourceBytes + targetBytes, unit: 'bytes'})
    const mergePasses = passes(mergeEvents)
    expect([...mergePasses.keys()]).toEqual(['pass 1/2 statistics', 'pass 2/2 merge'])
    expect(mergePasses.get('pass 2/2 merge')!.at(-1)).toEqual({label: 'pass 2/2 merge', done: sourceBytes + targetBytes, total: sourceBytes + targetBytes, unit: 'bytes'})
    expect(mergePasses.get('pass 2/2 merge')!.length).toBeGreaterThan(2)

    const analyzed = await cmaam(['analyze', '--source', source, '--target', target, '--json'])
    expect(analyzed.code).toBe(0)
    expect(JSON.parse(JSON.stringify(result.analysis))).toEqual(JSON.parse(analyzed.stdout))

    const merged = await cmaam(['merge', '--source', source, '--target', target, '--output', join(dir, 'cli', 'merged'), '--analyze', '--json'])
    expect(merged.code).toBe(0)
    const fromCli = JSON.parse(merged.stdout)
    const comparable = (record: Record<string, unknown>): Record<string, unknown> => ({...record, timestamp: null, timing: null, output: null})
    expect(comparable(JSON.parse(JSON.stringify(result.record)))).toEqual(comparable(fromCli))
    expect(result.record.output).toBe(join(dir, 'library', 'merged'))
    // The same weights, and the same replayable settings and model card (both outputs are named `merged`).
    for (const file of ['model.safetensors', 'cmaam_config.yaml', 'README.md']) {
      expect(readFileSync(join(dir, 'library', 'merged', file))).toEqual(readFileSync(join(dir, 'cli', 'merged', file)))
    }
  })

  it('options take values or the flags’ text alike, and bad ones throw the CmaamError the CLI prints', async () => {
    const dir = tmp()
    expect((await cmaam(['example', '--family', 'llava', '--out', dir, '--quiet'])).code).toBe(0)
    const source = join(dir, 'llava', 'source')
    const target = join(dir, 'llava', 'target')
    const {result: analyses, written} = await captureOutput(async () => [
      await lib.analyze({source, target, strategy: 'component', componentAlpha: {vision: 0.3}, method: {default: 'ties', vision: 'keep-target'}, density: 0.5}),
      await lib.analyze({source, target, strategy: 'component', componentAlpha: 'vision=0.3', method: 'ties,vision=keep-target', density: '0.5'}),
    ])
    expect(written).toEqual([])
    expect(analyses[0]).toEqual(analyses[1])
    expect(analyses[0].config.component_alpha).toEqual({vision: 0.3})
    expect(analyses[0].methods.vision.method).toBe('keep-target')

    const failure = await captureOutput(() => lib.merge({source, target, output: join(dir, 'merged'), minAlpha: 0.6, maxAlpha: 0.4}).catch((error: unknown) => error))
    expect(failure.written).toEqual([])
    expect(failure.result).toBeInstanceOf(lib.CmaamError)
    const cli = await cmaam(['merge', '-s', source, '-t', target, '-o', join(dir, 'merged'), '--min-alpha', '0.6', '--max-alpha', '0.4'])
    expect(cli.stderr.trim()).toBe(`Error: ${(failure.result as Error).message}`)
  })

  it('inspect and listAdapters give what `inspect --json` and `adapters list --json` print; registerAdapter adds a definition to detection', async () => {
    const dir = tmp()
    expect((await cmaam(['example', '--family', 'cogvlm', '--out', dir, '--quiet'])).code).toBe(0)
    const model = join(dir, 'cogvlm', 'target')
    const report = await lib.inspect(model)
    expect(JSON.parse(JSON.stringify(report))).toEqual(JSON.parse((await cmaam(['inspect', model, '--json'])).stdout))
    expect(await lib.listAdapters()).toEqual(JSON.parse((await cmaam(['adapters', 'list', '--json'])).stdout))

    // A family cmaam does not know: every name of the cogvlm example, claimed under another model type.
    const definition = lib.defineAdapter({
      name: 'toy-vlm',
      title: 'Toy VLM',
      modelTypes: ['toy_vlm'],
      architectures: [],
      signatures: [],
      rules: [
        {component: 'vision', match: String.raw`model\.vision\.`, layer: String.raw`transformer\.layers\.(\d+)\.`},
        {component: 'language', match: ''},
      ],
    })
    expect(lib.registerAdapter(definition)).toEqual({name: 'toy-vlm', title: 'Toy VLM', origin: {kind: 'code'}, model_types: ['toy_vlm'], architectures: []})
    const names = (await lib.listAdapters()).map((adapter) => adapter.name)
    expect(names.slice(-2)).toEqual(['toy-vlm', 'generic'])
    const toy = await lib.inspect(model, {modelType: 'toy-vlm'})
    const vision = report.tensors.filter((t) => t.name.startsWith('model.vision.')).length
    expect(vision).toBeGreaterThan(0)
    expect(toy.counts).toEqual({vision, bridge: 0, language: report.tensors.length - vision, shared: 0})
    expect(() => lib.registerAdapter(definition)).toThrow('adapter "toy-vlm": an adapter with this name is already registered')
  })
})
