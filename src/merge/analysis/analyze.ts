import {sortedByName} from './by-name'
import {alphaSummary} from './alpha-summary'
import {computeAlignment} from './alignment'
import {computeAlphas} from './alphas'
import {assertFiniteJson} from './finite'
import {resolveAlphaOptions} from './options'
import {derivePair} from './pair-derived'
import {computeSensitivity} from './sensitivity'
import type {AlphaOptions, BridgeKeyCounts, CmaamAnalysis, CmaamReport, TensorPairStats} from './types'

/**
 * The whole CMAAM analysis from the streamed pair statistics: alignment scores (spec §3),
 * sensitivities of both models (§4), the α tables and one α per tensor (§5), and the α summary.
 * Pure and deterministic: pairs are processed in name order whatever order they come in.
 * Options default to α₀ 0.5, strategy full, bounds [0.05, 0.95]; invalid ones throw a CmaamError.
 * Every number in `report` is finite (strict JSON). `positions` (tensor name → position along a
 * gradient, see layerPositions) place each tensor for a gradient `componentBaseAlpha`.
 */
export function analyzePairs(
  pairs: readonly TensorPairStats[],
  bridgeCounts: BridgeKeyCounts,
  options: Partial<AlphaOptions> = {},
  positions?: ReadonlyMap<string, number>,
): CmaamAnalysis {
  const opts = resolveAlphaOptions(options)
  const sorted = sortedByName(pairs)
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].name === sorted[i - 1].name) throw new Error(`analyzePairs: tensor '${sorted[i].name}' is given twice`)
  }

  const alignment = computeAlignment(sorted, bridgeCounts)
  const sourceSensitivity = computeSensitivity(sorted, 'source')
  const targetSensitivity = computeSensitivity(sorted, 'target')
  const tables = computeAlphas(sorted, {alignment, sourceSensitivity, targetSensitivity}, opts, positions)

  const report: CmaamReport = {
    alignment,
    source_sensitivity: sourceSensitivity,
    target_sensitivity: targetSensitivity,
    layer_alphas: tables.layerAlphas,
    component_alphas: tables.componentAlphas,
    basic_alpha: tables.basicAlpha,
    computed_alphas: alphaSummary(tables.alphas),
  }
  assertFiniteJson(report)
  return {
    report,
    alphas: tables.alphas,
    nonFiniteTensors: sorted.filter((p) => derivePair(p) === null).map((p) => p.name),
  }
}
