import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {methodSettings} from '../../../src/api/options/method-settings'
import {componentAlphaOption} from '../../../src/api/options/values'
import {generatePair} from '../../../src/example/generate-pair'
import {resolveAlphaOptions} from '../../../src/merge/analysis/options'
import {CmaamError} from '../../../src/errors'
import {resolveMethods} from '../../../src/merge/methods/resolve-methods'
import {runMerge} from '../../../src/merge/run-merge'
import {useTempDir} from '../../helpers/temp-dir'
import {mergeSettings, tensorBytes, writeF32Model, type F32Tensor} from '../helpers'
import {QWEN2VL_CONFIG} from './fixture'

/** A Qwen2-VL with 4 decoder layers (attention and MLP), 2 vision blocks, and tensors outside the blocks. */
const NAMES = [
  ...[0, 1, 2, 3].flatMap((i) => [`model.layers.${i}.self_attn.q_proj.weight`, `model.layers.${i}.mlp.up_proj.weight`]),
  'visual.blocks.0.mlp.fc1.weight',
  'visual.blocks.1.mlp.fc1.weight',
  'model.embed_tokens.weight',
  'model.norm.weight',
]

const filled = (value: number): F32Tensor[] => NAMES.map((name) => ({name, shape: [4], values: [value, value, value, value]}))

describe('parameter gradients and module filters', () => {
  const tmp = useTempDir()

  /** Merges target 0 into source 1 with linear α (so each tensor's value is its α) and returns the value of every tensor. */
  async function alphas(alpha: string): Promise<Record<string, number>> {
    const dir = tmp()
    await writeF32Model(join(dir, 'target'), filled(0), QWEN2VL_CONFIG)
    await writeF32Model(join(dir, 'source'), filled(1), QWEN2VL_CONFIG)
    const {params} = methodSettings({alpha})
    await runMerge(mergeSettings({method: 'linear', params, source: join(dir, 'source'), target: join(dir, 'target'), output: join(dir, 'out')}))
    const out: Record<string, number> = {}
    for (const [name, bytes] of await tensorBytes(join(dir, 'out'))) {
      const values = new Float32Array(Uint8Array.from(bytes).buffer)
      expect(new Set(values).size).toBe(1)
      out[name] = values[0]
    }
    return out
  }

  it('a gradient is interpolated over the layers of each tower: layer i of n at i/(n − 1)', async () => {
    const got = await alphas('[0.2,0.8]')
    // 4 decoder layers at 0, 1/3, 2/3, 1 of the way from 0.2 to 0.8; the 2 vision blocks at its ends.
    const decoder = [0.2, 0.4, 0.6, 0.8]
    for (const i of [0, 1, 2, 3]) {
      expect(got[`model.layers.${i}.self_attn.q_proj.weight`]).toBeCloseTo(decoder[i], 6)
      expect(got[`model.layers.${i}.mlp.up_proj.weight`]).toBeCloseTo(decoder[i], 6)
    }
    expect(got['visual.blocks.0.mlp.fc1.weight']).toBeCloseTo(0.2, 6)
    expect(got['visual.blocks.1.mlp.fc1.weight']).toBeCloseTo(0.8, 6)
    // Outside the numbered blocks: the gradient's first value.
    expect(got['model.embed_tokens.weight']).toBeCloseTo(0.2, 6)
    expect(got['model.norm.weight']).toBeCloseTo(0.2, 6)
  })

  it('a three-point gradient interpolates between its nearest two values; per component values take gradients too', async () => {
    const got = await alphas('[0,1,0.5],vision=[0.3,0.1]')
    // Positions 0, 1/3, 2/3, 1 along [0, 1, 0.5]: 0, 2/3·1, 1 − 1/3·0.5, 0.5.
    const decoder = [0, 2 / 3, 1 - 0.5 / 3, 0.5]
    for (const i of [0, 1, 2, 3]) expect(got[`model.layers.${i}.mlp.up_proj.weight`]).toBeCloseTo(decoder[i], 6)
    expect(got['visual.blocks.0.mlp.fc1.weight']).toBeCloseTo(0.3, 6)
    expect(got['visual.blocks.1.mlp.fc1.weight']).toBeCloseTo(0.1, 6)
  })

  it('module filters win over the component value, the first matching filter deciding; a filter may hold a gradient', async () => {
    const got = await alphas('0.5,self_attn=0.1,mlp=[0.3,0.9],up_proj=0.7')
    for (const i of [0, 1, 2, 3]) {
      expect(got[`model.layers.${i}.self_attn.q_proj.weight`]).toBeCloseTo(0.1, 6)
      // `mlp` comes before `up_proj`, so mlp.up_proj takes the mlp gradient.
      expect(got[`model.layers.${i}.mlp.up_proj.weight`]).toBeCloseTo(0.3 + (0.6 * i) / 3, 6)
    }
    // vision's fc1 is under `mlp.` too: the gradient over the 2 vision blocks.
    expect(got['visual.blocks.0.mlp.fc1.weight']).toBeCloseTo(0.3, 6)
    expect(got['visual.blocks.1.mlp.fc1.weight']).toBeCloseTo(0.9, 6)
    expect(got['model.norm.weight']).toBe(0.5)
  })

  it('parses and refuses values naming the flag', () => {
    expect(methodSettings({density: '[0.2, 0.8],vision=0.5,self_attn=[0.1,0.3]'}).params.density).toEqual({
      default: [0.2, 0.8],
      components: {vision: 0.5},
      filters: [{module: 'self_attn', value: [0.1, 0.3]}],
    })
    expect(methodSettings({weights: '[0.2,0.8],0.5'}).weights).toEqual([[0.2, 0.8], 0.5])
    expect(methodSettings({t: {default: [0, 1], mlp: 0.4}}).params.t).toEqual({default: [0, 1], components: {}, filters: [{module: 'mlp', value: 0.4}]})
    const fails = (options: Parameters<typeof methodSettings>[0], sources = 1): string => {
      try {
        resolveMethods(methodSettings(options), sources)
      } catch (error) {
        expect(error).toBeInstanceOf(CmaamError)
        return (error as Error).message
      }
      throw new Error('expected a failure')
    }
    expect(fails({method: 'ties', density: '[0.2,0.8'})).toBe('--density: unbalanced brackets in "[0.2,0.8"')
    expect(fails({method: 'ties', density: '[0.2,1.5]'})).toBe('--density must be in (0, 1], got 1.5')
    expect(fails({method: 'ties', density: '0.5,mlp=[0.2,0]'})).toBe('--density mlp must be in (0, 1], got 0')
    expect(fails({method: 'ties', density: '[]'})).toBe('--density: a gradient needs at least one value, got []')
    expect(fails({method: 'ties', density: '0.5,mlp=0.2,mlp=0.3'})).toMatch(/^--density: "mlp=0.3" is not a value/)
    expect(fails({method: 'ties', weights: '[0.2,x],1'}, 2)).toBe('--weights must be a number, got "x"')
    expect(fails({method: 'ties', rescale: 'l1'})).toMatch(/^--rescale l1: no component is merged with dare_linear or dare_ties/)
  })
})

describe('a gradient CMAAM α₀ per component (--component-alpha language=[0.2,0.5])', () => {
  const tmp = useTempDir()

  it('gives each decoder layer the α₀ of its position, times the component factor', async () => {
    const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')})
    const out = join(tmp(), 'out')
    const record = await runMerge(
      mergeSettings({source, target, output: out, alpha: {strategy: 'component', minAlpha: 0, maxAlpha: 1, componentBaseAlpha: {language: [0.2, 0.5], vision: 0.3}}, saveAlphas: true}),
    )
    const scores = record.analysis!.alignment.component_scores
    const alphas: Record<string, number> = JSON.parse(readFileSync(join(out, 'cmaam_alphas.json'), 'utf8')).alphas
    const layers = Object.keys(alphas).filter((name) => /^model\.layers\.\d+\./.test(name))
    const count = Math.max(...layers.map((name) => Number(name.split('.')[2]))) + 1
    expect(count).toBeGreaterThan(1)
    for (const name of layers) {
      const i = Number(name.split('.')[2])
      // Layer i of n: i/(n − 1) of the way from 0.2 to 0.5.
      expect(alphas[name]).toBeCloseTo((0.2 + (0.3 * i) / (count - 1)) * (0.5 + scores.language), 12)
    }
    for (const name of Object.keys(alphas).filter((n) => n.startsWith('visual.blocks.'))) expect(alphas[name]).toBeCloseTo(0.3 * (0.5 + scores.vision), 12)
    expect(record.config.component_alpha).toEqual({language: [0.2, 0.5], vision: 0.3})
  })

  it('parses the flag form and refuses a value out of [0, 1]', () => {
    expect(componentAlphaOption('vision=0.3,language=[0.2, 0.5]')).toEqual({vision: 0.3, language: [0.2, 0.5]})
    expect(() => resolveAlphaOptions({componentBaseAlpha: {language: [0.2, 1.5]}})).toThrow("the base alpha of component 'language' must be a number in [0, 1], got 1.5")
  })
})
