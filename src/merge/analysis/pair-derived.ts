import {l2Norm, meanAbs, varianceUnbiased} from '../../compute/moments'
import type {MomentStats} from '../../compute/moments'
import type {TensorPairStats} from './types'

/** Per-model quantities of one tensor that the scores use. */
export interface SideDerived {
  n: number
  /** ‖x‖₂. */
  l2: number
  /** Unbiased variance, 0 when n ≤ 1. */
  variance: number
  /** sqrt(variance). */
  std: number
  /** GFS flow indicator: mean|x| · sqrt(|var| + 1e−10) (spec §3). */
  flow: number
  /** Importance term ‖x‖/sqrt(n)/sqrt(var + 1e−8) (spec §4); 0 for an empty tensor (its RMS is taken as 0). */
  importance: number
}

export interface PairDerived {
  source: SideDerived
  target: SideDerived
}

function side(m: MomentStats): SideDerived {
  const variance = varianceUnbiased(m)
  const l2 = l2Norm(m)
  const rms = m.n === 0 ? 0 : l2 / Math.sqrt(m.n)
  return {
    n: m.n,
    l2,
    variance,
    std: Math.sqrt(variance),
    flow: meanAbs(m) * Math.sqrt(Math.abs(variance) + 1e-10),
    importance: rms / Math.sqrt(variance + 1e-8),
  }
}

function finiteSide(s: SideDerived): boolean {
  return (
    Number.isFinite(s.l2) &&
    Number.isFinite(s.variance) &&
    Number.isFinite(s.std) &&
    Number.isFinite(s.flow) &&
    Number.isFinite(s.importance)
  )
}

/**
 * The quantities every score needs, or null when any of them (or the pair's W1) is not finite,
 * which happens only for weights holding NaN/Inf: such a pair is left out of all scores, so that
 * the report stays strict JSON (a choice of cmaam; the reference would propagate NaN).
 */
export function derivePair(p: TensorPairStats): PairDerived | null {
  const d = {source: side(p.source), target: side(p.target)}
  if (!finiteSide(d.source) || !finiteSide(d.target) || !Number.isFinite(p.w1)) return null
  return d
}
