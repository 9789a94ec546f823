import {computeAlphas} from '../../../src/merge/analysis/alphas'
import type {AlignmentReport, TensorPairStats} from '../../../src/merge/analysis/types'
import type {Component} from '../../../src/models/types'

function pair(name: string, component: Component, group: string): TensorPairStats {
  const m = {n: 2, mean: 0, m2: 1, sumAbs: 1}
  return {name, component, group, indexed: true, shape: [2], source: m, target: m, w1: 0, dot: null, spectra: null}
}

const alignment = (cmbcOverall: number | undefined, overall = 0.8): Pick<AlignmentReport, 'overall' | 'component_scores' | 'cmbc'> => ({
  overall: {score: overall},
  component_scores: {vision: 0.6, bridge: 0.55, language: 0.65, shared: 0.7},
  cmbc: cmbcOverall === undefined ? {coherence: 0.5, coverage: 0, n_params: 0, warning: 'x'} : {coverage: 1, n_params: 1, overall: cmbcOverall},
})

const sourceSensitivity = {
  g1: {vision: 0.3, language: 0.7, importance: 4},
  g2: {vision: 0.9, language: 0.1, importance: 30},
}
const targetSensitivity = {g1: {vision: 0.5, language: 0.5, importance: 2}}

describe('computeAlphas', () => {
  const pairs = [pair('a.vision', 'vision', 'g1'), pair('b.bridge', 'bridge', 'g2'), pair('c.lang', 'language', 'g3')]

  it('layer α by the formula, α₀ for a group missing in the target', () => {
    const t = computeAlphas(pairs, {alignment: alignment(0.5), sourceSensitivity, targetSensitivity}, {baseAlpha: 0.4, strategy: 'layerwise'})
    // g1: vS 0.3, vT 0.5 → 0.4·(0.5 + 0.4·0.8 + 0.3·(1 − 2·0.1) + 0.3·(1 − 0.3))
    expect(t.layerAlphas.g1).toBeCloseTo(0.4 * (0.5 + 0.32 + 0.24 + 0.21), 12)
    expect(t.layerAlphas.g2).toBe(0.4)
    expect(Object.keys(t.layerAlphas)).toEqual(['g1', 'g2'])
    expect(t.alphas.get('a.vision')).toBeCloseTo(0.508, 12)
    expect(t.alphas.get('b.bridge')).toBe(0.4)
    expect(t.alphas.get('c.lang')).toBe(0.4) // no layer α at all: α₀
  })

  it('component α with the bridge factor and overrides; missing cmbc.overall counts 0.5', () => {
    const opts = {baseAlpha: 0.4, strategy: 'component' as const, componentBaseAlpha: {language: 0.2}}
    const low = computeAlphas(pairs, {alignment: alignment(0.39), sourceSensitivity, targetSensitivity}, opts)
    expect(low.componentAlphas.bridge).toBeCloseTo(0.4 * 1.05 * 0.7, 12)
    expect(low.componentAlphas.language).toBeCloseTo(0.2 * 1.15, 12)
    expect(low.componentAlphas.vision).toBeCloseTo(0.4 * 1.1, 12)
    expect(low.componentAlphas.shared).toBeCloseTo(0.4 * 1.2, 12)
    const high = computeAlphas(pairs, {alignment: alignment(0.71), sourceSensitivity, targetSensitivity}, opts)
    expect(high.componentAlphas.bridge).toBeCloseTo(0.4 * 1.05 * 1.2, 12)
    const mid = computeAlphas(pairs, {alignment: alignment(0.7), sourceSensitivity, targetSensitivity}, opts)
    expect(mid.componentAlphas.bridge).toBeCloseTo(0.4 * 1.05, 12)
    const none = computeAlphas(pairs, {alignment: alignment(undefined), sourceSensitivity, targetSensitivity}, opts)
    expect(none.componentAlphas.bridge).toBeCloseTo(0.4 * 1.05, 12)
    expect(high.alphas.get('b.bridge')).toBeCloseTo(0.504, 12)
  })

  it('basic and full strategies, clamped', () => {
    const inputs = {alignment: alignment(0.5, 0.8), sourceSensitivity, targetSensitivity}
    const basic = computeAlphas(pairs, inputs, {baseAlpha: 0.4, strategy: 'basic'})
    expect(basic.basicAlpha).toBeCloseTo(0.4 * 1.3, 12)
    for (const a of basic.alphas.values()) expect(a).toBeCloseTo(0.52, 12)
    const full = computeAlphas(pairs, inputs, {baseAlpha: 0.4, strategy: 'full', minAlpha: 0, maxAlpha: 1})
    expect(full.alphas.get('a.vision')).toBeCloseTo((0.44 + 0.508) / 2, 12)
    expect(full.alphas.get('b.bridge')).toBeCloseTo((0.42 + 0.4) / 2, 12) // g2 missing in the target: α₀
    expect(full.alphas.get('c.lang')).toBeCloseTo((0.46 + 0.4) / 2, 12) // g3 has no layer α: α₀
    const clamped = computeAlphas(pairs, inputs, {baseAlpha: 0.4, strategy: 'full', minAlpha: 0.42, maxAlpha: 0.46})
    expect([...clamped.alphas.values()]).toEqual([0.46, 0.42, full.alphas.get('c.lang')])
    expect(clamped.componentAlphas).toEqual(full.componentAlphas) // tables are reported unclamped
  })
})
