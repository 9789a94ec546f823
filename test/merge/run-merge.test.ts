import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {runAnalysis} from '../../src/merge/run-analysis'
import {runMerge} from '../../src/merge/run-merge'
import {silentProgress} from '../../src/progress'
import {useTempDir} from '../helpers/temp-dir'
import {F32, roundExact} from '../compute/exact-rounding'
import {expectClose, naiveAnalysis, type RawPair} from './analysis/naive'
import {mergeSettings, tensorBytes, writeF32Model, type F32Tensor} from './helpers'
import type {Component} from '../../src/models/types'

/** A small deterministic generator, independent of the code under test. */
function lcg(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32 - 0.5
  }
}

/** Qwen2-VL-named tensors with the component and per-tower layer group the spec assigns them. */
const LAYOUT: Array<{name: string; shape: number[]; component: Component; group: string; indexed: boolean; offset?: number}> = [
  {name: 'visual.patch_embed.proj.weight', shape: [4, 3], component: 'vision', group: 'vision.non_layer', indexed: false},
  {name: 'visual.blocks.0.attn.qkv.weight', shape: [6, 4], component: 'vision', group: 'vision.layer_0', indexed: true},
  {name: 'visual.blocks.0.mlp.fc1.weight', shape: [8, 4], component: 'vision', group: 'vision.layer_0', indexed: true},
  {name: 'visual.blocks.0.norm1.weight', shape: [4], component: 'vision', group: 'vision.layer_0', indexed: true, offset: 1},
  {name: 'visual.merger.mlp.0.weight', shape: [5, 6], component: 'bridge', group: 'bridge.non_layer', indexed: false},
  {name: 'visual.merger.mlp.0.bias', shape: [5], component: 'bridge', group: 'bridge.non_layer', indexed: false},
  {name: 'model.embed_tokens.weight', shape: [10, 4], component: 'shared', group: 'shared.non_layer', indexed: false},
  {name: 'model.layers.0.self_attn.q_proj.weight', shape: [4, 4], component: 'language', group: 'language.layer_0', indexed: true},
  {name: 'model.layers.0.mlp.down_proj.weight', shape: [4, 6], component: 'language', group: 'language.layer_0', indexed: true},
  {name: 'model.layers.1.self_attn.k_proj.weight', shape: [2, 4], component: 'language', group: 'language.layer_1', indexed: true},
  {name: 'model.layers.1.mlp.up_proj.weight', shape: [6, 4], component: 'language', group: 'language.layer_1', indexed: true},
  {name: 'model.norm.weight', shape: [4], component: 'shared', group: 'shared.non_layer', indexed: false, offset: 1},
  {name: 'lm_head.weight', shape: [10, 4], component: 'shared', group: 'shared.non_layer', indexed: false},
]

interface Pair {
  source: F32Tensor[]
  target: F32Tensor[]
  raws: RawPair[]
}

/** The pair: source = target + a component-dependent shift; plus a shape mismatch and one-sided keys. */
function buildPair(): Pair {
  const next = lcg(42)
  const f32 = (x: number): number => Math.fround(x)
  const shift: Record<Component, number> = {vision: 0.05, bridge: 0.3, language: 0.15, shared: 0.1}
  const raws: RawPair[] = []
  const source: F32Tensor[] = []
  const target: F32Tensor[] = []
  for (const t of LAYOUT) {
    const n = t.shape.reduce((a, b) => a * b, 1)
    const tv = Array.from({length: n}, () => f32((t.offset ?? 0) + next()))
    const sv = tv.map((x) => f32(x + shift[t.component] * next()))
    target.push({name: t.name, shape: t.shape, values: tv})
    source.push({name: t.name, shape: t.shape, values: sv})
    raws.push({name: t.name, component: t.component, group: t.group, indexed: t.indexed, shape: t.shape, s: sv, t: tv})
  }
  target.push({name: 'model.layers.0.input_layernorm.weight', shape: [4], values: [1, 1, 1, 1]})
  source.push({name: 'model.layers.0.input_layernorm.weight', shape: [5], values: [1, 1, 1, 1, 1]})
  target.push({name: 'visual.blocks.0.attn.proj.bias', shape: [4], values: [0.5, -0.5, 0.25, 0]})
  source.push({name: 'model.layers.1.extra.weight', shape: [2], values: [3, 4]})
  return {source, target, raws}
}

const CONFIG = {model_type: 'qwen2_vl', architectures: ['Qwen2VLForConditionalGeneration'], torch_dtype: 'float32'}
const COUNTS = {bridgeKeysSource: 2, bridgeKeysTarget: 2, commonBridgeKeys: 2, bridgeKeysUnion: 2}

describe('runMerge / runAnalysis on a hand-built Qwen2-VL pair', () => {
  const tmp = useTempDir()
  let pair: Pair
  beforeEach(async () => {
    pair = buildPair()
    await writeF32Model(join(tmp(), 'source'), pair.source, CONFIG)
    await writeF32Model(join(tmp(), 'target'), pair.target, CONFIG)
  })

  it.each(['full', 'layerwise', 'component', 'basic'] as const)('analysis (%s) equals an independent computation over the raw values', async (strategy) => {
    const record = await runAnalysis({sources: [join(tmp(), 'source')], target: join(tmp(), 'target'), methods: {method: {default: 'cmaam', components: {}}, params: {}, weights: null, normalize: null, alphaFrom: null}, alpha: {strategy}, modelType: 'auto', compat: 'default', seed: 0, allowNonfinite: false, threads: 1, device: 'cpu', progress: silentProgress})
    const expected = naiveAnalysis(pair.raws, COUNTS, {baseAlpha: 0.5, strategy, minAlpha: 0.05, maxAlpha: 0.95, componentBaseAlpha: {}})
    expectClose(record.analysis, expected.report)
    expect(record.model_type).toBe('qwen2vl')
    expect(record.compatibility).toEqual({common_params: 14, source_only: 1, target_only: 1, shape_mismatches: 1, dtype_mismatches: 0})
  })

  it('writes every merged tensor as target + α(source − target) with the analysed α, rounded once', async () => {
    const output = join(tmp(), 'merged')
    const record = await runMerge(mergeSettings({source: join(tmp(), 'source'), target: join(tmp(), 'target'), output, saveAlphas: true, analyze: true}))
    const expected = naiveAnalysis(pair.raws, COUNTS, {baseAlpha: 0.5, strategy: 'full', minAlpha: 0.05, maxAlpha: 0.95, componentBaseAlpha: {}})
    const bytes = await tensorBytes(output)
    for (const raw of pair.raws) {
      const alpha = expected.alphas.get(raw.name)!
      const got = new Uint32Array(Uint8Array.from(bytes.get(raw.name)!).buffer)
      const want = raw.t.map((t, i) => roundExact(t + alpha * (raw.s[i] - t), F32))
      expect([...got]).toEqual(want)
    }
    // Spec §6: shape mismatch → target kept; one-sided keys kept as they are.
    expect([...new Float32Array(Uint8Array.from(bytes.get('model.layers.0.input_layernorm.weight')!).buffer)]).toEqual([1, 1, 1, 1])
    expect([...new Float32Array(Uint8Array.from(bytes.get('visual.blocks.0.attn.proj.bias')!).buffer)]).toEqual([0.5, -0.5, 0.25, 0])
    expect([...new Float32Array(Uint8Array.from(bytes.get('model.layers.1.extra.weight')!).buffer)]).toEqual([3, 4])
    expect(bytes.size).toBe(16)

    expect(record.compatibility).toMatchObject({common_params: 14, source_only: 1, target_only: 1, merged: 13, kept_target: 1})
    expect(record.compatibility.shape_mismatches).toEqual([{name: 'model.layers.0.input_layernorm.weight', source: [5], target: [4]}])
    const alphasFile = JSON.parse(readFileSync(join(output, 'cmaam_alphas.json'), 'utf8'))
    for (const [name, alpha] of expected.alphas) expect(alphasFile.alphas[name]).toBeCloseTo(alpha, 12)
    const report = JSON.parse(readFileSync(join(output, 'cmaam_analysis_report.json'), 'utf8'))
    expectClose(report.analysis, expected.report)
    expect(report.config).toMatchObject({base_alpha: 0.5, strategy: 'full', model_type: 'qwen2vl'})
    expect(readdirSync(output).sort()).toEqual(['README.md', 'cmaam_alphas.json', 'cmaam_analysis_report.json', 'cmaam_merge_info.json', 'config.json', 'model.safetensors'])
  })

  it('linear: every tensor at the same α', async () => {
    const output = join(tmp(), 'linear')
    await runMerge(mergeSettings({source: join(tmp(), 'source'), target: join(tmp(), 'target'), output, method: 'linear', linearAlpha: 0.3}))
    const bytes = await tensorBytes(output)
    for (const raw of pair.raws) {
      const got = [...new Uint32Array(Uint8Array.from(bytes.get(raw.name)!).buffer)]
      expect(got).toEqual(raw.t.map((t, i) => roundExact(t + 0.3 * (raw.s[i] - t), F32)))
    }
    expect(existsSync(join(output, 'cmaam_analysis_report.json'))).toBe(false)
  })
})
