import {COMPONENTS, type Component} from '../../models/types'
import {valueAt} from '../methods/tensor-params'
import {resolveAlphaOptions} from './options'
import type {AlignmentReport, AlphaOptions, SensitivityTable, TensorPairStats} from './types'

export interface AlphaTables {
  /** α per tensor name (clamped), in the order of the pairs given. */
  alphas: Map<string, number>
  /** Layer α per group of the source's sensitivity table, unclamped. */
  layerAlphas: Record<string, number>
  /** Component α for all four components, unclamped (with a gradient α₀[c]: at its first layer). */
  componentAlphas: Record<Component, number>
  /** Basic α, unclamped. */
  basicAlpha: number
}

export interface AlphaInputs {
  alignment: Pick<AlignmentReport, 'overall' | 'component_scores' | 'cmbc'>
  sourceSensitivity: SensitivityTable
  targetSensitivity: SensitivityTable
}

/**
 * The α tables and the per-tensor α (spec §5).
 *
 * - layer α[g] = α₀·(0.5 + 0.4·(1 − |vS − vT|) + 0.3·(1 − 2·|(vS+vT)/2 − 0.5|) + 0.3·(1 − min(1, (iS+iT)/2/10)))
 *   for every group of the source table; α₀ for a group the target lacks;
 * - component α[c] = α₀[c]·(0.5 + comp_score[c]) (α₀[c] = override or α₀); the bridge's ×0.7 when
 *   cmbc.overall < 0.4, ×1.2 when > 0.7 (a missing cmbc.overall counts 0.5); an override that is a
 *   gradient gives each tensor the α₀[c] of its layer (`positions`: name → position along a gradient);
 * - basic α = α₀·(1 + overall − 0.5);
 * - per tensor by strategy: basic → basic α; component → α[c]; layerwise → α[g]; full → (α[c] + α[g])/2,
 *   where a group without a layer α (no usable tensor) takes α₀, as the reference does; then clamped
 *   to [minAlpha, maxAlpha]. Values inside the bounds pass through untouched, so with bounds [0, 1]
 *   an α of exactly 0 or 1 survives.
 */
export function computeAlphas(
  pairs: readonly TensorPairStats[],
  inputs: AlphaInputs,
  options: Partial<AlphaOptions> = {},
  positions: ReadonlyMap<string, number> = new Map(),
): AlphaTables {
  const opts = resolveAlphaOptions(options)
  const a0 = opts.baseAlpha

  const layerAlphas: Record<string, number> = {}
  for (const [key, src] of Object.entries(inputs.sourceSensitivity)) {
    const tgt = inputs.targetSensitivity[key]
    if (tgt === undefined) {
      layerAlphas[key] = a0
      continue
    }
    const sensFactor = 1 - Math.abs(src.vision - tgt.vision)
    const balanceFactor = 1 - 2 * Math.abs((src.vision + tgt.vision) / 2 - 0.5)
    const importanceFactor = 1 - Math.min(1, (src.importance + tgt.importance) / 2 / 10)
    layerAlphas[key] = a0 * (0.5 + (0.4 * sensFactor + 0.3 * balanceFactor + 0.3 * importanceFactor))
  }

  const cmbcOverall = inputs.alignment.cmbc.overall ?? 0.5
  // α₀[c] may be a gradient: each tensor's component α then takes the α₀[c] of its layer.
  const componentAlpha = (c: Component, position: number): number => {
    const base = opts.componentBaseAlpha[c] ?? a0
    let alpha = valueAt(base, position) * (0.5 + (inputs.alignment.component_scores[c] ?? 0.5))
    if (c === 'bridge') {
      if (cmbcOverall < 0.4) alpha *= 0.7
      else if (cmbcOverall > 0.7) alpha *= 1.2
    }
    return alpha
  }
  const componentAlphas = {} as Record<Component, number>
  for (const c of COMPONENTS) componentAlphas[c] = componentAlpha(c, 0)

  const basicAlpha = a0 * (1 + (inputs.alignment.overall.score - 0.5))

  const alphas = new Map<string, number>()
  for (const p of pairs) {
    let alpha: number
    switch (opts.strategy) {
      case 'basic':
        alpha = basicAlpha
        break
      case 'component':
        alpha = componentAlpha(p.component, positions.get(p.name) ?? 0)
        break
      case 'layerwise':
        alpha = layerAlphas[p.group] ?? a0
        break
      case 'full':
        alpha = 0.5 * componentAlpha(p.component, positions.get(p.name) ?? 0) + 0.5 * (layerAlphas[p.group] ?? a0)
        break
    }
    alphas.set(p.name, Math.min(opts.maxAlpha, Math.max(opts.minAlpha, alpha)))
  }
  return {alphas, layerAlphas, componentAlphas, basicAlpha}
}
