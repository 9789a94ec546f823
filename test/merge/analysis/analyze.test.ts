import {CmaamError} from '../../../src/errors'
import {analyzePairs} from '../../../src/merge/analysis/analyze'
import type {MergeStrategy, TensorPairStats} from '../../../src/merge/analysis/types'
import {FIXTURE, FIXTURE_COUNTS} from './fixture'
import {expectClose, jacobiEigenvalues, naiveAnalysis, nSingularValues, toPairStats, type NaiveOptions, type RawPair} from './naive'

const DEFAULTS: NaiveOptions = {baseAlpha: 0.5, strategy: 'full', minAlpha: 0.05, maxAlpha: 0.95, componentBaseAlpha: {}}
const STRATEGIES: MergeStrategy[] = ['basic', 'layerwise', 'component', 'full']
const NO_BRIDGE = {bridgeKeysSource: 0, bridgeKeysTarget: 0, commonBridgeKeys: 0, bridgeKeysUnion: 0}

/** Every number in a JSON round trip is finite and survives unchanged. */
function expectStrictJson(value: unknown): void {
  const text = JSON.stringify(value)
  expect(text).not.toMatch(/null|NaN|Infinity/)
  expect(JSON.parse(text)).toEqual(value)
}

function expectMatchesNaive(raws: RawPair[], counts: typeof FIXTURE_COUNTS, options: NaiveOptions): void {
  const got = analyzePairs(raws.map(toPairStats), counts, options)
  const want = naiveAnalysis(raws, counts, options)
  expectClose(got.report, want.report)
  expect([...got.alphas.keys()]).toEqual([...want.alphas.keys()])
  for (const [name, a] of want.alphas) expect(got.alphas.get(name)).toBeCloseTo(a, 12)
  expect(got.nonFiniteTensors).toEqual([])
  expectStrictJson(got.report)
}

describe('the naive helper itself', () => {
  it('Jacobi finds the eigenvalues of a known symmetric matrix', () => {
    // eigenvalues of [[2,1,0],[1,2,0],[0,0,5]] are 1, 3, 5
    const ev = jacobiEigenvalues([
      [2, 1, 0],
      [1, 2, 0],
      [0, 0, 5],
    ]).sort((a, b) => a - b)
    expect(ev[0]).toBeCloseTo(1, 13)
    expect(ev[1]).toBeCloseTo(3, 13)
    expect(ev[2]).toBeCloseTo(5, 13)
  })

  it('singular values: Σσ² equals the squared Frobenius norm, and a rank-1 matrix has one', () => {
    const v = [-1.61, 1.2, -2.01, 0.23, 2.11, 5.38]
    const sv = nSingularValues(v, [2, 3])
    expect(sv).toHaveLength(2)
    expect(sv[0]).toBeGreaterThanOrEqual(sv[1])
    expect(sv[0] ** 2 + sv[1] ** 2).toBeCloseTo(v.reduce((s, x) => s + x * x, 0), 12)
    const r1 = nSingularValues([1, 2, 2, 4, 3, 6], [3, 2]) // rows (1,2)·[1,2,3]
    expect(r1[0]).toBeCloseTo(Math.sqrt(5) * Math.sqrt(14), 12)
    expect(r1[1]).toBeCloseTo(0, 7)
  })
})

describe('analyzePairs on a hand-made pair', () => {
  it.each(STRATEGIES)('matches the direct computation, strategy %s', (strategy) => {
    expectMatchesNaive(FIXTURE, FIXTURE_COUNTS, {...DEFAULTS, strategy})
  })

  it.each(STRATEGIES)('matches with component overrides and tight clamping, strategy %s', (strategy) => {
    expectMatchesNaive(FIXTURE, FIXTURE_COUNTS, {
      baseAlpha: 0.7,
      strategy,
      minAlpha: 0.4,
      maxAlpha: 0.6,
      componentBaseAlpha: {bridge: 0.2, shared: 0.9},
    })
  })

  it('has the reference report shape', () => {
    const {report, alphas} = analyzePairs(FIXTURE.map(toPairStats), FIXTURE_COUNTS)
    expect(Object.keys(report)).toEqual([
      'alignment',
      'source_sensitivity',
      'target_sensitivity',
      'layer_alphas',
      'component_alphas',
      'basic_alpha',
      'computed_alphas',
    ])
    expect(Object.keys(report.alignment)).toEqual(['pda', 'gfs', 'cmbc', 'overall', 'component_scores'])
    expect(Object.keys(report.alignment.pda)).toEqual(['vision', 'bridge', 'language', 'shared', 'overall'])
    expect(Object.keys(report.alignment.gfs)).toEqual(['vision', 'bridge', 'language', 'shared', 'layer_mean', 'layer_std', 'overall'])
    expect(Object.keys(report.alignment.cmbc)).toEqual(['coherence', 'coherence_std', 'spectral', 'coverage', 'n_params', 'overall'])
    expect(Object.keys(report.alignment.component_scores)).toEqual(['vision', 'bridge', 'language', 'shared'])
    expect(Object.keys(report.source_sensitivity)).toEqual([
      'bridge.non_layer',
      'language.layer_0',
      'language.layer_1',
      'shared.non_layer',
      'vision.layer_0',
      'vision.layer_1',
      'vision.non_layer',
    ])
    expect(Object.keys(report.computed_alphas)).toEqual(['mean', 'std', 'min', 'max'])
    expect(alphas.size).toBe(FIXTURE.length)
  })

  it('does not depend on the order of the pairs', () => {
    const pairs = FIXTURE.map(toPairStats)
    const a = analyzePairs(pairs, FIXTURE_COUNTS)
    const b = analyzePairs([...pairs].reverse(), FIXTURE_COUNTS)
    expect(JSON.stringify(b.report)).toBe(JSON.stringify(a.report))
    expect([...b.alphas]).toEqual([...a.alphas])
  })

  it('basic α is α₀·(1 + overall − 0.5) for every tensor', () => {
    for (const baseAlpha of [0.2, 0.5, 0.6]) {
      const {report, alphas} = analyzePairs(FIXTURE.map(toPairStats), FIXTURE_COUNTS, {baseAlpha, strategy: 'basic'})
      const e = baseAlpha * (1 + report.alignment.overall.score - 0.5)
      expect(report.basic_alpha).toBeCloseTo(e, 12)
      for (const a of alphas.values()) expect(a).toBeCloseTo(Math.min(0.95, Math.max(0.05, e)), 12)
      expect(report.computed_alphas.std).toBeCloseTo(0, 12)
    }
  })

  it('clamps every α to [minAlpha, maxAlpha]', () => {
    const {report, alphas} = analyzePairs(FIXTURE.map(toPairStats), FIXTURE_COUNTS, {baseAlpha: 0.7, strategy: 'component'})
    // unclamped component α of the bridge is 0.7·1.2·(0.5 + 0.80) > 1; shared 0.7·(0.5 + 0.66) < 0.95
    expect(report.component_alphas.bridge).toBeGreaterThan(1)
    expect(alphas.get('visual.merger.mlp.0.weight')).toBe(0.95)
    expect(alphas.get('lm_head.weight')).toBe(report.component_alphas.shared)
    expect(report.computed_alphas.max).toBe(0.95)
    const low = analyzePairs(FIXTURE.map(toPairStats), FIXTURE_COUNTS, {baseAlpha: 0.01, strategy: 'full'})
    for (const a of low.alphas.values()) expect(a).toBe(0.05)
  })

  it('with bounds [0, 1], α₀ = 0 gives exactly 0 and values inside pass untouched', () => {
    const zero = analyzePairs(FIXTURE.map(toPairStats), FIXTURE_COUNTS, {baseAlpha: 0, minAlpha: 0, maxAlpha: 1})
    for (const a of zero.alphas.values()) expect(a).toBe(0)
    const one = analyzePairs(FIXTURE.map(toPairStats), FIXTURE_COUNTS, {baseAlpha: 0.7, minAlpha: 0, maxAlpha: 1, strategy: 'component'})
    expect(one.report.component_alphas.bridge).toBeGreaterThan(1)
    expect(one.alphas.get('visual.merger.mlp.0.bias')).toBe(1) // clamps to exactly 1
    expect(one.alphas.get('model.layers.0.mlp.down_proj.weight')).toBe(one.report.component_alphas.language)
  })

  it('component overrides change only their component', () => {
    const pairs = FIXTURE.map(toPairStats)
    const base = analyzePairs(pairs, FIXTURE_COUNTS, {strategy: 'component'})
    const over = analyzePairs(pairs, FIXTURE_COUNTS, {strategy: 'component', componentBaseAlpha: {vision: 0.3}})
    expect(over.report.component_alphas.vision).toBeCloseTo(0.3 * (0.5 + base.report.alignment.component_scores.vision), 12)
    expect(over.report.component_alphas.language).toBe(base.report.component_alphas.language)
    expect(over.alphas.get('visual.blocks.0.attn.qkv.weight')).toBe(over.report.component_alphas.vision)
    expect(over.report.layer_alphas).toEqual(base.report.layer_alphas)
  })

  it('bridge α ×0.7 when CMBC < 0.4 (bridge negated in the target)', () => {
    const flipped = FIXTURE.map((r) => (r.component === 'bridge' ? {...r, t: r.s.map((x) => -x)} : r))
    const {report} = analyzePairs(flipped.map(toPairStats), FIXTURE_COUNTS, {strategy: 'component'})
    // cos = −1 for every bridge tensor, identical spectra: coherence 0, spectral 1, overall 0.3
    expect(report.alignment.cmbc.coherence).toBeCloseTo(0, 12)
    expect(report.alignment.cmbc.spectral).toBeCloseTo(1, 12)
    expect(report.alignment.cmbc.overall).toBeCloseTo(0.3, 12)
    expect(report.component_alphas.bridge).toBeCloseTo(0.5 * (0.5 + report.alignment.component_scores.bridge) * 0.7, 12)
    expectMatchesNaive(flipped, FIXTURE_COUNTS, {...DEFAULTS, strategy: 'component'})
  })
})

describe('analyzePairs edge cases', () => {
  it('no tensors at all: neutral scores, empty α map, finite report', () => {
    const {report, alphas, nonFiniteTensors} = analyzePairs([], NO_BRIDGE)
    expect(report.alignment.pda).toEqual({})
    expect(report.alignment.gfs).toEqual({})
    expect(report.alignment.cmbc).toEqual({coherence: 0.5, coverage: 0, n_params: 0, warning: 'No common bridge parameters found'})
    expect(report.alignment.overall.score).toBeCloseTo(0.5, 15)
    expect(report.alignment.component_scores.vision).toBeCloseTo(0.35, 15)
    expect(report.alignment.component_scores.bridge).toBeCloseTo(0.425, 15)
    expect(report.source_sensitivity).toEqual({})
    expect(report.layer_alphas).toEqual({})
    expect(report.component_alphas.language).toBeCloseTo(0.5 * 0.85, 15)
    expect(report.component_alphas.bridge).toBeCloseTo(0.5 * 0.925, 15)
    expect(report.basic_alpha).toBeCloseTo(0.5, 15)
    expect(report.computed_alphas).toEqual({mean: 0, std: 0, min: 0, max: 0})
    expect(alphas.size).toBe(0)
    expect(nonFiniteTensors).toEqual([])
    expectStrictJson(report)
  })

  it('a single one-element tensor gives finite output', () => {
    const raw: RawPair = {name: 'model.norm.weight', component: 'shared', group: 'shared.non_layer', indexed: false, shape: [1], s: [0.99], t: [0.97]}
    const {report, alphas} = analyzePairs([toPairStats(raw)], NO_BRIDGE)
    expectStrictJson(report)
    expect(report.alignment.pda.shared).toBeCloseTo(Math.exp(-0.02), 12)
    expect(report.alignment.gfs.shared).toBeCloseTo(1, 12) // one-element vectors: cos = 1
    expect(report.alignment.gfs.layer_mean).toBeUndefined()
    expect(report.source_sensitivity['shared.non_layer'].importance).toBeCloseTo(0.99 / 1e-4, 8) // var taken as 0
    expect(report.source_sensitivity['shared.non_layer'].vision).toBe(0)
    expect(alphas.get('model.norm.weight')).toBeGreaterThan(0)
    expectMatchesNaive([raw], NO_BRIDGE, DEFAULTS)
  })

  it('all-zero tensors: neutral GFS, skipped layer groups and coherence, zero sensitivities', () => {
    const zeros: RawPair[] = [
      {name: 'model.layers.0.self_attn.q_proj.weight', component: 'language', group: 'language.layer_0', indexed: true, shape: [2, 2], s: [0, 0, 0, 0], t: [0, 0, 0, 0]},
      {name: 'model.layers.1.mlp.up_proj.weight', component: 'language', group: 'language.layer_1', indexed: true, shape: [2], s: [0.5, -0.25], t: [0.4, -0.5]},
      {name: 'multi_modal_projector.linear_1.weight', component: 'bridge', group: 'bridge.non_layer', indexed: false, shape: [2, 2], s: [0, 0, 0, 0], t: [0, 0, 0, 0]},
      {name: 'vision_tower.encoder.layers.0.attn.weight', component: 'vision', group: 'vision.layer_0', indexed: true, shape: [3], s: [0, 0, 0], t: [0, 0, 0]},
    ]
    const counts = {bridgeKeysSource: 1, bridgeKeysTarget: 1, commonBridgeKeys: 1, bridgeKeysUnion: 1}
    const {report} = analyzePairs(zeros.map(toPairStats), counts)
    expect(report.alignment.gfs.vision).toBe(0.5)
    expect(report.alignment.gfs.bridge).toBe(0.5)
    expect(report.alignment.gfs.layer_mean).toBeCloseTo(1, 12) // only language.layer_1 has a norm
    expect(report.alignment.gfs.layer_std).toBe(0)
    expect(report.alignment.cmbc.coherence).toBeUndefined() // skipped: zero norms
    expect(report.alignment.cmbc.spectral).toBeCloseTo(1, 12) // both spectra zero: KL 0
    expect(report.alignment.cmbc.overall).toBe(0.5)
    expect(report.source_sensitivity['vision.layer_0']).toEqual({vision: 0, language: 0, importance: 0})
    expectStrictJson(report)
    expectMatchesNaive(zeros, counts, DEFAULTS)
  })

  it('no bridge tensors: the reference warning, CMBC counted 0.5', () => {
    const raws = FIXTURE.filter((r) => r.component !== 'bridge')
    const {report} = analyzePairs(raws.map(toPairStats), NO_BRIDGE)
    expect(report.alignment.cmbc).toEqual({coherence: 0.5, coverage: 0, n_params: 0, warning: 'No common bridge parameters found'})
    expect(report.alignment.pda.bridge).toBeUndefined()
    expect(report.alignment.component_scores.bridge).toBeCloseTo(0.5 * (0.4 * 0.5 + 0.3 * 0.5) + 0.5 * 0.5, 15)
    expect(report.component_alphas.bridge).toBeCloseTo(0.5 * (0.5 + 0.425), 15) // 0.4 ≤ 0.5 ≤ 0.7: no factor
    expectStrictJson(report)
    expectMatchesNaive(raws, NO_BRIDGE, DEFAULTS)
  })

  it('common bridge keys whose shapes all differ: coverage and count, overall 0.5, no coherence', () => {
    const raws = FIXTURE.filter((r) => r.component !== 'bridge')
    const counts = {bridgeKeysSource: 3, bridgeKeysTarget: 2, commonBridgeKeys: 2, bridgeKeysUnion: 3}
    const {report} = analyzePairs(raws.map(toPairStats), counts)
    expect(report.alignment.cmbc).toEqual({coverage: 2 / 3, n_params: 2, overall: 0.5})
  })

  it('a tensor holding NaN/Inf is left out of the scores but still gets an α', () => {
    const bad: TensorPairStats = {
      ...toPairStats({name: 'model.layers.9.mlp.gate_proj.weight', component: 'language', group: 'language.layer_9', indexed: true, shape: [2], s: [1, 2], t: [1, 2]}),
      source: {n: 2, mean: Infinity, m2: NaN, sumAbs: Infinity},
      w1: NaN,
    }
    const clean = analyzePairs(FIXTURE.map(toPairStats), FIXTURE_COUNTS)
    const got = analyzePairs([...FIXTURE.map(toPairStats), bad], FIXTURE_COUNTS)
    expect(got.nonFiniteTensors).toEqual(['model.layers.9.mlp.gate_proj.weight'])
    expect(got.report.alignment).toEqual(clean.report.alignment)
    expect(got.report.source_sensitivity).toEqual(clean.report.source_sensitivity)
    // its group has no usable tensor: full = (α[language] + α₀)/2
    expect(got.alphas.get('model.layers.9.mlp.gate_proj.weight')).toBeCloseTo((clean.report.component_alphas.language + 0.5) / 2, 12)
    expectStrictJson(got.report)
  })

  it('reference grouping: one layer_N group across components', () => {
    const raws: RawPair[] = [
      {name: 'model.layers.3.mlp.up_proj.weight', component: 'language', group: 'layer_3', indexed: true, shape: [2], s: [0.5, -0.25], t: [0.4, -0.5]},
      {name: 'multi_modal_projector.linear_1.weight', component: 'bridge', group: 'layer_1', indexed: true, shape: [2, 2], s: [1, 2, 3, 4], t: [1.1, 2, 2.9, 4.2]},
      {name: 'model.embed_tokens.weight', component: 'shared', group: 'non_layer', indexed: false, shape: [2], s: [0.1, 0.2], t: [0.1, 0.3]},
      {name: 'visual.blocks.3.attn.qkv.weight', component: 'vision', group: 'layer_3', indexed: true, shape: [3], s: [1, -1, 2], t: [1, -1.5, 2]},
    ]
    const counts = {bridgeKeysSource: 1, bridgeKeysTarget: 1, commonBridgeKeys: 1, bridgeKeysUnion: 1}
    const {report} = analyzePairs(raws.map(toPairStats), counts)
    expect(Object.keys(report.source_sensitivity)).toEqual(['layer_1', 'layer_3', 'non_layer'])
    expectMatchesNaive(raws, counts, DEFAULTS)
  })

  it('rejects invalid options and duplicate tensors', () => {
    const pairs = FIXTURE.map(toPairStats)
    expect(() => analyzePairs(pairs, FIXTURE_COUNTS, {baseAlpha: 1.5})).toThrow(CmaamError)
    expect(() => analyzePairs(pairs, FIXTURE_COUNTS, {baseAlpha: NaN})).toThrow(/--base-alpha/)
    expect(() => analyzePairs(pairs, FIXTURE_COUNTS, {minAlpha: 0.8, maxAlpha: 0.2})).toThrow(/--min-alpha/)
    expect(() => analyzePairs(pairs, FIXTURE_COUNTS, {strategy: 'fancy' as MergeStrategy})).toThrow(/--strategy/)
    expect(() => analyzePairs(pairs, FIXTURE_COUNTS, {componentBaseAlpha: {vision: -0.1}})).toThrow(CmaamError)
    expect(() => analyzePairs(pairs, FIXTURE_COUNTS, {componentBaseAlpha: {audio: 0.1} as never})).toThrow(/audio/)
    expect(() => analyzePairs([...pairs, pairs[0]], FIXTURE_COUNTS)).toThrow(/twice/)
  })
})
