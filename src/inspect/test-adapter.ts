import {COMPONENTS, type Component, type ModelTypeAdapter} from '../models/types'
import {unmatchedNames, type UnmatchedGroup} from '../models/unmatched-names'

/** Tensors of one component and tower, and the block numbers they span. */
export interface TowerSummary {
  component: Component
  tower: string | null
  tensors: number
  /** Block numbers found (first, last, how many distinct); null when no tensor has one. */
  layers: {first: number; last: number; count: number; missing: number[]} | null
}

export interface AdapterTestReport {
  adapter: string
  tensors: number
  towers: TowerSummary[]
  /** Every name that no rule recognises (it counts as language) or that only a catch-all rule does. */
  unmatched_names: Array<{name: string; matched: 'none' | 'catch-all'}>
  unmatched: UnmatchedGroup[]
}

/**
 * How an adapter splits a model's names: tensors per component and tower, the block numbers of
 * each (with gaps, which usually mean a layer pattern that misses some names), and every name it
 * classifies only by default.
 */
export function testAdapter(adapter: ModelTypeAdapter, names: readonly string[]): AdapterTestReport {
  const towers = new Map<string, {component: Component; tower: string | null; tensors: number; layers: Set<number>}>()
  const unmatched: AdapterTestReport['unmatched_names'] = []
  for (const name of [...names].sort()) {
    const {component, layer, tower} = adapter.classify(name)
    const key = `${component}\u0000${tower ?? ''}`
    const entry = towers.get(key) ?? {component, tower, tensors: 0, layers: new Set<number>()}
    entry.tensors++
    if (layer !== null) entry.layers.add(layer)
    towers.set(key, entry)
    const rule = adapter.ruleFor(name)
    if (rule === null || rule.catchAll) unmatched.push({name, matched: rule === null ? 'none' : 'catch-all'})
  }

  const summaries = [...towers.values()]
    .map((entry): TowerSummary => {
      const layers = [...entry.layers].sort((a, b) => a - b)
      if (layers.length === 0) return {component: entry.component, tower: entry.tower, tensors: entry.tensors, layers: null}
      const first = layers[0]
      const last = layers[layers.length - 1]
      const missing = Array.from({length: last - first + 1}, (_, i) => first + i).filter((n) => !entry.layers.has(n))
      return {component: entry.component, tower: entry.tower, tensors: entry.tensors, layers: {first, last, count: layers.length, missing}}
    })
    .sort((a, b) => COMPONENTS.indexOf(a.component) - COMPONENTS.indexOf(b.component) || String(a.tower).localeCompare(String(b.tower)))
  return {adapter: adapter.name, tensors: names.length, towers: summaries, unmatched_names: unmatched, unmatched: unmatchedNames(adapter, names)}
}
