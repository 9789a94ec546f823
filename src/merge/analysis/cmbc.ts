import {sortedByName} from './by-name'
import {derivePair} from './pair-derived'
import {mean, populationStd} from './stats'
import type {BridgeKeyCounts, CmbcScores, PairSpectra, TensorPairStats} from './types'

const EPS = 1e-10

/**
 * exp(−|KL|) between the normalised singular-value vectors (spec §3):
 * s/(Σs + 1e−10), KL = Σ (t+ε)(log(t+ε) − log(s+ε)) with t the target's, s the source's.
 * Vectors of different lengths are compared over the shorter one (the engine gives equal lengths);
 * an empty or non-finite result is null (skipped, like the reference's failed SVDs).
 */
function spectralSimilarity(sp: PairSpectra): number | null {
  const k = Math.min(sp.source.length, sp.target.length)
  if (k === 0) return null
  let sumS = 0
  let sumT = 0
  for (let i = 0; i < k; i++) {
    sumS += sp.source[i]
    sumT += sp.target[i]
  }
  let kl = 0
  for (let i = 0; i < k; i++) {
    const s = sp.source[i] / (sumS + EPS) + EPS
    const t = sp.target[i] / (sumT + EPS) + EPS
    kl += t * (Math.log(t) - Math.log(s))
  }
  const sim = Math.exp(-Math.abs(kl))
  return Number.isFinite(sim) ? sim : null
}

/**
 * Cross-Modal Bridge Coherence (spec §3) over the bridge pairs, in name order.
 *
 * With no common bridge keys: `{coherence: 0.5, coverage: 0, n_params: 0, warning}` like the
 * reference (no `overall`; 0.5 is used downstream). Otherwise: coherence = mean mapped cosine
 * dot/(‖S‖‖T‖) (norms from the moments; a pair with a norm ≤ 1e−10 on either side, or without a
 * dot product, is skipped), its population std, spectral = mean spectral similarity, coverage =
 * common/union bridge keys, n_params = common bridge keys (shape-mismatched ones included, as in
 * the reference), overall = 0.7·coherence + 0.3·spectral, coherence alone without spectral values,
 * 0.5 without coherence values.
 */
export function computeCmbc(pairs: readonly TensorPairStats[], counts: BridgeKeyCounts): CmbcScores {
  if (counts.commonBridgeKeys <= 0) {
    return {coherence: 0.5, coverage: 0, n_params: 0, warning: 'No common bridge parameters found'}
  }
  const sorted = sortedByName(pairs.filter((p) => p.component === 'bridge'))
  const coherence: number[] = []
  const spectral: number[] = []
  for (const p of sorted) {
    const d = derivePair(p)
    if (d === null) continue
    const nS = d.source.l2
    const nT = d.target.l2
    if (p.dot !== null && Number.isFinite(p.dot) && nS > 1e-10 && nT > 1e-10) {
      const cos = p.dot / (nS * nT)
      if (Number.isFinite(cos)) coherence.push((cos + 1) / 2)
    }
    if (p.spectra !== null) {
      const sim = spectralSimilarity(p.spectra)
      if (sim !== null) spectral.push(sim)
    }
  }

  const out = {} as CmbcScores // keys in the reference's order
  if (coherence.length > 0) {
    out.coherence = mean(coherence)
    out.coherence_std = populationStd(coherence)
  }
  if (spectral.length > 0) out.spectral = mean(spectral)
  // union ≥ common > 0 for consistent counts; guard anyway (0, like the reference's total_bridge = 0 case)
  out.coverage = counts.bridgeKeysUnion > 0 ? counts.commonBridgeKeys / counts.bridgeKeysUnion : 0
  out.n_params = counts.commonBridgeKeys
  if (out.coherence === undefined) out.overall = 0.5
  else out.overall = out.spectral === undefined ? out.coherence : 0.7 * out.coherence + 0.3 * out.spectral
  return out
}
