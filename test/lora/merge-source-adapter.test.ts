import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {generateLoraAdapter} from '../../src/example/generate-lora-adapter'
import {generatePair} from '../../src/example/generate-pair'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'
import {tensorBytes} from '../merge/helpers'

const dir = useTempDir()
const PROJECTIONS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']

/** A bf16 Qwen2-VL-shaped base in 2 shards and an r = 8 adapter on its seven projections. */
async function baseAndAdapter(): Promise<{base: string; adapter: string}> {
  await generatePair({family: 'qwen2vl', dir: dir(), maxShardBytes: 200_000})
  const base = join(dir(), 'target')
  const adapter = join(dir(), 'adapter')
  const modules = await generateLoraAdapter({base, dir: adapter, r: 8, loraAlpha: 16, targetModules: PROJECTIONS})
  expect(modules).toBe(14)
  return {base, adapter}
}

describe('merge --source ADAPTER', () => {
  it('gives the same bytes as lora merge then merge, on worker threads', async () => {
    const {base, adapter} = await baseAndAdapter()
    const ft = join(dir(), 'ft')
    expect((await cmaam(['lora', 'merge', '--base', base, '--adapter', adapter, '--output', ft, '--threads', '2', '--quiet'])).code).toBe(0)
    const viaFolder = join(dir(), 'via-folder')
    const onTheFly = join(dir(), 'on-the-fly')
    for (const [source, output] of [[ft, viaFolder], [adapter, onTheFly]]) {
      const run = await cmaam(['merge', '--source', source, '--target', base, '--output', output, '--threads', '2', '--analyze', '--quiet'])
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
    }
    const a = await tensorBytes(viaFolder)
    const b = await tensorBytes(onTheFly)
    expect([...b.keys()]).toEqual([...a.keys()])
    for (const [name, bytes] of a) expect(b.get(name)).toEqual(bytes)
    // The fine-tune differs from the base exactly where the adapter applies.
    const baseBytes = await tensorBytes(base)
    const ftBytes = await tensorBytes(ft)
    for (const [name, bytes] of baseBytes) {
      const adapted = PROJECTIONS.some((p) => name.endsWith(`.${p}.weight`)) && name.startsWith('model.layers.')
      expect(ftBytes.get(name)!.equals(bytes)).toBe(!adapted)
    }
    const analysis = (file: string) => JSON.parse(readFileSync(join(file, 'cmaam_analysis_report.json'), 'utf8')).analysis
    expect(analysis(onTheFly)).toEqual(analysis(viaFolder))
  })

  it('is read by analyze like a model folder', async () => {
    const {base, adapter} = await baseAndAdapter()
    const ft = join(dir(), 'ft')
    await cmaam(['lora', 'merge', '--base', base, '--adapter', adapter, '--output', ft, '--quiet'])
    const fromAdapter = await cmaam(['analyze', '--source', adapter, '--target', base, '--json'])
    const fromFolder = await cmaam(['analyze', '--source', ft, '--target', base, '--json'])
    expect(fromAdapter.code).toBe(0)
    const strip = (text: string) => {
      const {source, sources, ...rest} = JSON.parse(text)
      return rest
    }
    expect(strip(fromAdapter.stdout)).toEqual(strip(fromFolder.stdout))
    expect(JSON.parse(fromAdapter.stdout).sources).toEqual([adapter])
  })
})
