import {COMPONENTS, type Component} from '../../models/types'
import {sortedByName} from './by-name'
import {derivePair} from './pair-derived'
import type {PdaScores, TensorPairStats} from './types'

/**
 * Parameter Distribution Alignment (spec §3): per component exp(−mean W1) over its tensors, and
 * `overall` weighted by tensor count. Components without tensors are absent; with no tensors at all
 * the result is `{}` (the reference raises; downstream a missing entry counts 0.5). Pairs with
 * non-finite statistics are left out.
 */
export function computePda(pairs: readonly TensorPairStats[]): PdaScores {
  const sums = new Map<Component, {sum: number; count: number}>()
  for (const p of sortedByName(pairs)) {
    if (derivePair(p) === null) continue
    const acc = sums.get(p.component) ?? {sum: 0, count: 0}
    acc.sum += p.w1
    acc.count += 1
    sums.set(p.component, acc)
  }
  const out: PdaScores = {}
  let weighted = 0
  let total = 0
  for (const c of COMPONENTS) {
    const acc = sums.get(c)
    if (acc === undefined) continue
    const score = Math.exp(-(acc.sum / acc.count))
    out[c] = score
    weighted += acc.count * score
    total += acc.count
  }
  if (total > 0) out.overall = weighted / total
  return out
}
