import {lstatSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {EXAMPLE_FAMILIES} from '../../src/example/families'
import {openCheckpoint} from '../../src/io/checkpoint/open-checkpoint'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'
import {tensorBytes} from '../merge/helpers'

describe('cmaam example + merge + analyze + inspect, end to end', () => {
  const tmp = useTempDir()
  const pair = (family: string) => ({source: join(tmp(), 'ex', family, 'source'), target: join(tmp(), 'ex', family, 'target')})

  beforeEach(async () => {
    expect((await cmaam(['example', '--out', join(tmp(), 'ex'), '--quiet'])).code).toBe(0)
  })

  it.each(EXAMPLE_FAMILIES)('merges the %s example pair on worker threads, identically to one thread', async (family) => {
    const {source, target} = pair(family)
    const two = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'two'), '--threads', '2', '--analyze', '--save-alphas'])
    expect(two.code).toBe(0)
    expect(two.stdout).toContain(`model type ${family}`)
    expect(two.stdout).toMatch(/α used\s+\d+ tensors/)
    const one = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'one'), '--threads', '1', '--save-alphas', '--quiet'])
    expect(one.code).toBe(0)
    expect(one.stdout).toBe('')
    const a = await tensorBytes(join(tmp(), 'one'))
    const b = await tensorBytes(join(tmp(), 'two'))
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort())
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes)).toBe(true)
    expect(readFileSync(join(tmp(), 'one', 'cmaam_alphas.json'), 'utf8')).toBe(readFileSync(join(tmp(), 'two', 'cmaam_alphas.json'), 'utf8'))

    const files = readdirSync(join(tmp(), 'two')).sort()
    expect(files).toEqual(expect.arrayContaining(['README.md', 'cmaam_merge_info.json', 'cmaam_analysis_report.json', 'cmaam_alphas.json', 'cmaam_config.yaml', 'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json', 'model.safetensors']))
    expect(lstatSync(join(tmp(), 'two', 'config.json')).isSymbolicLink()).toBe(false)
    const card = readFileSync(join(tmp(), 'two', 'README.md'), 'utf8')
    const front = card.split('---')[1]
    // Local folders with no Hub id of their own are left out of base_model and named by folder in the text.
    expect(front).not.toContain('base_model:')
    expect(card).not.toContain(tmp())
    expect(card).toContain('cmaam merge --source source --target target --output two')
    expect(card).toContain('This model merges `source` (a local model) (source) into `target` (a local model) (target)')
    expect(front).toContain('base_model_relation: merge')
    expect(front).toContain('library_name: transformers')
    expect(front).toContain('tags:\n- merge\n- cmaam\n')
    expect(front).toContain('license: apache-2.0')
    expect(card).toContain('## α per component')
  })

  it('--json prints the merge record; --dtype f32 widens exactly and updates torch_dtype', async () => {
    const {source, target} = pair('llava')
    const run = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'f32'), '--dtype', 'f32', '--method', 'linear', '--alpha', '0', '--json'])
    expect(run.code).toBe(0)
    const record = JSON.parse(run.stdout)
    expect(record.config).toMatchObject({method: 'linear', base_alpha: 0, dtype: 'f32', model_type: 'llava'})
    expect(JSON.parse(readFileSync(join(tmp(), 'f32', 'config.json'), 'utf8')).torch_dtype).toBe('float32')
    const merged = await openCheckpoint(join(tmp(), 'f32'))
    const bf16 = await tensorBytes(target)
    const f32 = await tensorBytes(join(tmp(), 'f32'))
    for (const [name, bytes] of bf16) {
      expect(merged.tensors.get(name)!.dtype).toBe('F32')
      const widened = new Uint32Array(bytes.length / 2)
      for (let i = 0; i < widened.length; i++) widened[i] = bytes.readUInt16LE(2 * i) << 16
      expect(f32.get(name)!.equals(Buffer.from(widened.buffer))).toBe(true)
    }
  })

  it('--shard-size writes several shards with a correct index', async () => {
    const {source, target} = pair('qwen2vl')
    expect((await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'whole'), '--quiet'])).code).toBe(0)
    expect((await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'sharded'), '--shard-size', '100KB', '--quiet'])).code).toBe(0)
    const index = JSON.parse(readFileSync(join(tmp(), 'sharded', 'model.safetensors.index.json'), 'utf8'))
    const shards = [...new Set(Object.values(index.weight_map) as string[])].sort()
    expect(shards.length).toBeGreaterThan(2)
    expect(shards[0]).toBe(`model-00001-of-${String(shards.length).padStart(5, '0')}.safetensors`)
    const checkpoint = await openCheckpoint(join(tmp(), 'sharded'))
    expect(index.metadata.total_size).toBe([...checkpoint.tensors.values()].reduce((sum, t) => sum + t.byteLength, 0))
    const whole = await tensorBytes(join(tmp(), 'whole'))
    const sharded = await tensorBytes(join(tmp(), 'sharded'))
    for (const [name, bytes] of whole) expect(sharded.get(name)!.equals(bytes)).toBe(true)
  })

  it('analyze prints the table, or the analysis as JSON', async () => {
    const {source, target} = pair('cogvlm')
    const table = await cmaam(['analyze', '-s', source, '-t', target])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/component\s+PDA\s+GFS\s+score/)
    const json = JSON.parse((await cmaam(['analyze', '-s', source, '-t', target, '--json', '--strategy', 'component'])).stdout)
    expect(json.model_type).toBe('cogvlm')
    expect(Object.keys(json.analysis.alignment)).toEqual(['pda', 'gfs', 'cmbc', 'overall', 'component_scores'])
    // Component strategy: every tensor of a component gets that component's (clamped) α.
    for (const c of ['vision', 'bridge', 'language', 'shared'] as const) {
      const clamped = Math.min(0.95, Math.max(0.05, json.analysis.component_alphas[c]))
      expect(json.alphas.components[c].min).toBeCloseTo(clamped, 12)
      expect(json.alphas.components[c].max).toBeCloseTo(clamped, 12)
    }
  })

  it('inspect reports every tensor from the headers, or from the index alone', async () => {
    const {target} = pair('mplugowl')
    const run = await cmaam(['inspect', target, '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.model_type).toBe('mplugowl')
    expect(report.tensors.find((t: {name: string}) => t.name === 'model.visual_abstractor.visual_fc.weight')).toEqual({name: 'model.visual_abstractor.visual_fc.weight', component: 'bridge', layer: null, dtype: 'BF16', shape: [64, 32]})
    expect(report.tensors.find((t: {name: string}) => t.name === 'model.layers.1.self_attn.k_proj.multiway.1.weight')).toMatchObject({component: 'language', layer: 1})
    const total = Object.values(report.counts as Record<string, number>).reduce((a, b) => a + b, 0)
    expect(total).toBe(report.tensors.length)

    // Shards absent, index present: names, components and layers still come out.
    const sharded = join(tmp(), 'sharded')
    const {source} = pair('mplugowl')
    expect((await cmaam(['merge', '-s', source, '-t', target, '-o', sharded, '--shard-size', '50KB', '--quiet'])).code).toBe(0)
    for (const file of readdirSync(sharded).filter((f) => f.endsWith('.safetensors'))) rmSync(join(sharded, file))
    const indexOnly = JSON.parse((await cmaam(['inspect', sharded, '--json'])).stdout)
    expect(indexOnly.from).toBe('index')
    expect(indexOnly.counts).toEqual(report.counts)
    expect(indexOnly.tensors.every((t: {dtype: unknown; shape: unknown}) => t.dtype === null && t.shape === null)).toBe(true)

    const text = await cmaam(['inspect', target, '--model-type', 'generic'])
    expect(text.stdout).toContain('model type generic (--model-type)')
  })
})
