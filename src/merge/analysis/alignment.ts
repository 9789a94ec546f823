import {COMPONENTS, type Component} from '../../models/types'
import {computeCmbc} from './cmbc'
import {computeGfs} from './gfs'
import {computePda} from './pda'
import type {AlignmentReport, BridgeKeyCounts, TensorPairStats} from './types'

/**
 * All alignment scores (spec §3): PDA, GFS, CMBC, the weighted overall score and the four component
 * scores. Missing entries count 0.5: `overall = 0.4·pda.overall + 0.3·gfs.overall + 0.3·cmbc.overall`,
 * `comp[c] = 0.4·pda[c] + 0.3·gfs[c]`, `comp[bridge] = 0.5·comp[bridge] + 0.5·cmbc.overall`.
 */
export function computeAlignment(pairs: readonly TensorPairStats[], counts: BridgeKeyCounts): AlignmentReport {
  const pda = computePda(pairs)
  const gfs = computeGfs(pairs)
  const cmbc = computeCmbc(pairs, counts)
  const cmbcOverall = cmbc.overall ?? 0.5
  const score = 0.4 * (pda.overall ?? 0.5) + 0.3 * (gfs.overall ?? 0.5) + 0.3 * cmbcOverall
  const component_scores = {} as Record<Component, number>
  for (const c of COMPONENTS) {
    let s = 0.4 * (pda[c] ?? 0.5) + 0.3 * (gfs[c] ?? 0.5)
    if (c === 'bridge') s = 0.5 * s + 0.5 * cmbcOverall
    component_scores[c] = s
  }
  return {pda, gfs, cmbc, overall: {score}, component_scores}
}
