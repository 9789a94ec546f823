import {COMPONENTS, type Component} from '../../models/types'
import {sortedByName} from './by-name'
import {compareNatural} from './natural-order'
import {derivePair} from './pair-derived'
import {mappedCosine, mean, populationStd} from './stats'
import type {GfsScores, TensorPairStats} from './types'

/**
 * Gradient Flow Similarity (spec §3). Flow vectors are built in name order.
 *
 * - per component: mapped cosine of the two flow vectors, 0.5 when either norm ≤ 1e−10;
 * - per layer group, over indexed groups only (the reference only uses parameters with a layer
 *   number): the same cosine, but a group whose norm is ≤ 1e−10 is skipped, as in the reference;
 *   `layer_mean` and `layer_std` (population) over the remaining groups, absent when none remain;
 * - `overall` = mean of the component scores and `layer_mean` (not `layer_std`); absent when there
 *   are no tensors at all (the reference raises; downstream it counts 0.5).
 */
export function computeGfs(pairs: readonly TensorPairStats[]): GfsScores {
  const sorted = sortedByName(pairs)
  const comp = new Map<Component, {s: number[]; t: number[]}>()
  const layers = new Map<string, {s: number[]; t: number[]}>()
  for (const p of sorted) {
    const d = derivePair(p)
    if (d === null) continue
    const c = comp.get(p.component) ?? {s: [], t: []}
    c.s.push(d.source.flow)
    c.t.push(d.target.flow)
    comp.set(p.component, c)
    if (p.indexed) {
      const g = layers.get(p.group) ?? {s: [], t: []}
      g.s.push(d.source.flow)
      g.t.push(d.target.flow)
      layers.set(p.group, g)
    }
  }

  const out: GfsScores = {}
  const forOverall: number[] = []
  for (const c of COMPONENTS) {
    const v = comp.get(c)
    if (v === undefined) continue
    const score = mappedCosine(v.s, v.t) ?? 0.5
    out[c] = score
    forOverall.push(score)
  }

  const layerScores: number[] = []
  for (const key of [...layers.keys()].sort(compareNatural)) {
    const v = layers.get(key)!
    const score = mappedCosine(v.s, v.t)
    if (score !== null) layerScores.push(score)
  }
  if (layerScores.length > 0) {
    out.layer_mean = mean(layerScores)
    out.layer_std = populationStd(layerScores)
    forOverall.push(out.layer_mean)
  }

  if (forOverall.length > 0) out.overall = mean(forOverall)
  return out
}
