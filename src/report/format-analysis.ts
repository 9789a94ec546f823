import type {AlphaBreakdown} from '../merge/alpha-breakdown'
import type {CmaamReport} from '../merge/analysis/types'
import {COMPONENTS, type Component} from '../models/types'
import type {ComponentMethodRecord} from './merge-record'

/**
 * The analysis as a terminal table: the method of each component (when given), scores and α per
 * component, the layer α range, the α (or t, λ) actually used.
 */
export function formatAnalysis(report: CmaamReport | null, alphas: AlphaBreakdown, heading: string, methods?: Record<Component, ComponentMethodRecord>): string {
  const f = (v: number | undefined): string => (v === undefined ? '     –' : v.toFixed(4))
  const lines = [heading, '']
  if (methods) {
    COMPONENTS.forEach((c, i) => lines.push(`${i === 0 ? 'method' : ''}`.padEnd(11) + `${c.padEnd(9)} ${describeComponentMethod(methods[c])}`))
    lines.push('')
  }
  if (report) {
    const a = report.alignment
    lines.push(
      `alignment  overall ${f(a.overall.score)}   PDA ${f(a.pda.overall)}   GFS ${f(a.gfs.overall)}   CMBC ${f(a.cmbc.overall ?? 0.5)}`,
      `bridge     coherence ${f(a.cmbc.coherence)}   spectral ${f(a.cmbc.spectral)}   coverage ${a.cmbc.coverage.toFixed(2)} (${a.cmbc.n_params} tensors)${a.cmbc.warning ? `   ${a.cmbc.warning}` : ''}`,
      `layers     GFS mean ${f(a.gfs.layer_mean)}   std ${f(a.gfs.layer_std)}`,
      '',
    )
  }
  const header = report
    ? ['component', 'PDA', 'GFS', 'score', 'α comp', 'tensors', 'α mean', 'α min', 'α max']
    : ['component', 'tensors', 'α mean', 'α min', 'α max']
  const rows = COMPONENTS.map((c) => {
    const s = alphas.components[c]
    const used = s ? [String(s.tensors), f(s.mean), f(s.min), f(s.max)] : ['0', '     –', '     –', '     –']
    if (!report) return [c, ...used]
    const a = report.alignment
    return [c, f(a.pda[c]), f(a.gfs[c]), f(a.component_scores[c]), f(report.component_alphas[c]), ...used]
  })
  lines.push(...table([header, ...rows]), '')

  const indexed = alphas.layers.filter((l) => !l.group.endsWith('non_layer'))
  for (const c of COMPONENTS) {
    const layers = indexed.filter((l) => l.component === c)
    if (layers.length === 0) continue
    const means = layers.map((l) => l.mean)
    lines.push(`layer α    ${c.padEnd(9)} ${String(layers.length).padStart(4)} layers   ${f(Math.min(...means))} – ${f(Math.max(...means))}`)
  }
  const o = alphas.overall
  lines.push(`α used     ${o.tensors} tensors   mean ${f(o.mean)}   std ${f(o.std)}   min ${f(o.min)}   max ${f(o.max)}`)
  if (report) lines.push('', ...SCORE_LEGEND)
  return lines.join('\n')
}

/** One line per score of the table (all in [0, 1], 1 = the two models agree), and where the formulas are. */
export const SCORE_LEGEND = [
  'PDA        parameter distribution alignment: how alike the two models’ weight values are (exp of −Wasserstein-1)',
  'GFS        gradient flow similarity: how alike their per-tensor magnitude × spread profiles are (cosine)',
  'CMBC       cross-modal bridge coherence: 0.7·coherence + 0.3·spectral over the bridge tensors',
  'coherence  cosine similarity of the two bridges’ weights, mapped to [0, 1]',
  'spectral   how alike the bridges’ top singular value spectra are (exp of −KL)',
  'α comp     the component’s α from its score: α₀ · (0.5 + score); the α used mixes it with the layer α',
  'Formulas: docs/method.md (§3 scores, §5 α).',
]

/** `ties  lambda 1 · density 0.5 · weights 1 · normalized`: a component's method and the parameters it used. */
export function describeComponentMethod(m: ComponentMethodRecord): string {
  const parameters = componentParameters(m)
  return parameters ? `${m.method.padEnd(15)}  ${parameters}` : m.method
}

/** `lambda 1 · density 0.5 · weights 1 · normalized`, or '' for a method without parameters. */
export function componentParameters(m: ComponentMethodRecord): string {
  const parts = Object.entries(m.params).map(([name, value]) => `${name} ${value}`)
  if (m.alpha_from_cmaam) parts.push('CMAAM α per tensor')
  if (m.weights) parts.push(`weights ${m.weights.join(',')}`)
  if (m.normalize !== undefined) parts.push(m.normalize ? 'normalized' : 'not normalized')
  if (m.rescale) parts.push(`rescale ${m.rescale}`)
  return parts.join(' · ')
}

/** Left-aligned first column, right-aligned numbers. */
export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd())
}
