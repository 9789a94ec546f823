import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {generatePair} from '../../../src/example/generate-pair'
import {CmaamError} from '../../../src/errors'
import {openCheckpoint} from '../../../src/io/checkpoint/open-checkpoint'
import {runMerge} from '../../../src/merge/run-merge'
import {getAdapter} from '../../../src/models/registry'
import {useTempDir} from '../../helpers/temp-dir'
import {mergeSettings, tensorBytes} from '../helpers'

describe('per-component methods and the identities of every method', () => {
  const tmp = useTempDir()

  it('runs each component with its own method: keep-target bit-identical to the target, keep-source to the source', async () => {
    const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')})
    const output = join(tmp(), 'out')
    const record = await runMerge(
      mergeSettings({source, target, output, method: 'ties,vision=keep-target,bridge=keep-source,shared=linear', params: {density: {default: 0.5, components: {}}, alpha: {default: 0.5, components: {shared: 0.25}}}}),
    )
    const adapter = getAdapter('qwen2vl')
    const [s, t, o] = await Promise.all([tensorBytes(source), tensorBytes(target), tensorBytes(output)])
    const seen = new Set<string>()
    for (const [name, bytes] of o) {
      const component = adapter.classify(name).component
      seen.add(component)
      if (component === 'vision') expect(bytes.equals(t.get(name)!)).toBe(true)
      if (component === 'bridge') expect(bytes.equals(s.get(name)!)).toBe(true)
    }
    expect([...seen].sort()).toEqual(['bridge', 'language', 'shared', 'vision'])
    expect(record.config.method).toBe('ties,vision=keep-target,bridge=keep-source,shared=linear')
    expect(record.config.methods.vision).toEqual({method: 'keep-target', params: {}})
    expect(record.config.methods.language).toEqual({method: 'ties', params: {lambda: 1, density: 0.5}, weights: [1], normalize: true})
    expect(record.config.methods.shared).toEqual({method: 'linear', params: {alpha: 0.25}})
    expect(record.alphas.components.shared!.mean).toBe(0.25)
    expect(record.analysis).toBeNull()
    const info = JSON.parse(readFileSync(join(output, 'cmaam_merge_info.json'), 'utf8'))
    expect(info.config.methods.bridge.method).toBe('keep-source')
    const card = readFileSync(join(output, 'README.md'), 'utf8')
    expect(card).toContain('| vision | `keep-target` | – |')
    expect(card).toContain('| language | `ties` | lambda 1 · density 0.5 · weights 1 · normalized |')
    expect(card).toContain('| shared | `linear` | alpha 0.25 |')
  })

  it.each(['BF16', 'F16', 'F32'] as const)('linear and task_arithmetic with λ = α are byte-identical (%s)', async (dtype) => {
    const {source, target} = await generatePair({family: 'llava', dir: join(tmp(), 'pair'), dtype})
    await runMerge(mergeSettings({source, target, output: join(tmp(), 'linear'), method: 'linear', linearAlpha: 0.37}))
    await runMerge(mergeSettings({source, target, output: join(tmp(), 'ta'), method: 'task_arithmetic', params: {lambda: {default: 0.37, components: {}}}}))
    const a = await tensorBytes(join(tmp(), 'linear'))
    const b = await tensorBytes(join(tmp(), 'ta'))
    for (const [name, bytes] of a) if (!bytes.equals(b.get(name)!)) throw new Error(`${name} differs`)
    const files = (await openCheckpoint(join(tmp(), 'linear'))).files
    for (const file of files) expect(readFileSync(join(tmp(), 'linear', file)).equals(readFileSync(join(tmp(), 'ta', file)))).toBe(true)
  })

  const everyMethod: Array<[string, Partial<Parameters<typeof mergeSettings>[0]>]> = [
    ['cmaam', {}],
    ['linear', {linearAlpha: 0.3}],
    ['task_arithmetic', {params: {lambda: {default: 0.8, components: {}}}}],
    ['ties', {params: {density: {default: 0.5, components: {}}}}],
    ['dare_linear', {params: {density: {default: 0.5, components: {}}}}],
    ['dare_ties', {params: {density: {default: 0.3, components: {}}}}],
    ['breadcrumbs', {params: {density: {default: 0.8, components: {}}, gamma: {default: 0.05, components: {}}}}],
    ['slerp', {params: {t: {default: 0.4, components: {}}}}],
    ['model_stock', {}],
    ['keep-source', {}],
    ['task_arithmetic', {alphaFrom: 'cmaam'}],
    ['slerp', {alphaFrom: 'cmaam'}],
  ]
  it.each(everyMethod)('merge(x, x) = x bit for bit: %s %j', async (method, extra) => {
    const {target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')})
    const output = join(tmp(), 'self')
    await runMerge(mergeSettings({source: method === 'model_stock' ? [target, target] : [target], target, output, method, ...extra}))
    const got = await tensorBytes(output)
    for (const [name, bytes] of await tensorBytes(target)) if (!bytes.equals(got.get(name)!)) throw new Error(`${name} differs`)
  })

  it('--alpha-from cmaam sets each tensor’s λ to its CMAAM α', async () => {
    const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')})
    const cmaam = await runMerge(mergeSettings({source, target, output: join(tmp(), 'cmaam'), saveAlphas: true}))
    const ta = await runMerge(mergeSettings({source, target, output: join(tmp(), 'ta'), method: 'task_arithmetic', alphaFrom: 'cmaam'}))
    expect(ta.alphas).toEqual(cmaam.alphas)
    expect(ta.config.methods.language).toEqual({method: 'task_arithmetic', params: {}, weights: [1], normalize: false, alpha_from_cmaam: true})
    // target + α·(source − target) either way: the same bytes as CMAAM itself.
    const a = await tensorBytes(join(tmp(), 'cmaam'))
    const b = await tensorBytes(join(tmp(), 'ta'))
    for (const [name, bytes] of a) if (!bytes.equals(b.get(name)!)) throw new Error(`${name} differs`)
  })

  it.each([
    [{method: 'linear', params: {density: {default: 1, components: {language: 0.5}}}}, '--density language=0.5: the language component is merged with linear, which takes no density'],
    [{method: 'ties', weights: [1, 2]}, '--weights has 2 values for 1 source'],
    [{method: 'ties', params: {density: {default: 0, components: {}}}}, '--density must be in (0, 1], got 0'],
    [{method: 'ties,vision=slerp', source: ['a', 'b']}, '--method slerp (for the vision component) merges exactly 1 source, got 2'],
    [{method: 'tie'}, '--method: unknown method "tie"'],
  ] as const)('refuses bad method settings before reading the models: %j', async (settings, message) => {
    const error = await runMerge(mergeSettings({source: 'missing', target: 'missing', output: join(tmp(), 'x'), ...(settings as object)})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CmaamError)
    expect((error as CmaamError).message).toBe(message)
  })
})
