import {COMPONENTS, type Component} from '../models/types'
import {alphaSummary} from './analysis/alpha-summary'
import {groupKey} from './analysis/layer-groups'
import type {AlphaSummary} from './analysis/types'
import type {MergePlan} from './plan-merge'

export interface AlphaBreakdown {
  /** α summary of the merged tensors of each component (components without merged tensors are absent). */
  components: Partial<Record<Component, AlphaSummary & {tensors: number}>>
  /** Mean α per layer group (per-tower index, spec §1), in output order. */
  layers: Array<{group: string; component: Component; tensors: number; mean: number}>
  overall: AlphaSummary & {tensors: number}
}

/** How the α actually used spread over components and layers: what reports and model cards show. */
export function alphaBreakdown(plan: MergePlan, alphas: ReadonlyMap<string, number>): AlphaBreakdown {
  const byComponent = new Map<Component, Map<string, number>>()
  const byGroup = new Map<string, {component: Component; values: number[]}>()
  for (const t of plan.tensors) {
    const alpha = alphas.get(t.name)
    if (t.action !== 'merge' || alpha === undefined) continue
    const component = t.class.component
    if (!byComponent.has(component)) byComponent.set(component, new Map())
    byComponent.get(component)!.set(t.name, alpha)
    const group = groupKey(t.name, t.class, 'default').key
    if (!byGroup.has(group)) byGroup.set(group, {component, values: []})
    byGroup.get(group)!.values.push(alpha)
  }
  const components: AlphaBreakdown['components'] = {}
  for (const component of COMPONENTS) {
    const values = byComponent.get(component)
    if (values) components[component] = {...alphaSummary(values), tensors: values.size}
  }
  const layers = [...byGroup].map(([group, {component, values}]) => ({
    group,
    component,
    tensors: values.length,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  }))
  const merged = new Map([...byComponent.values()].flatMap((m) => [...m]))
  return {components, layers, overall: {...alphaSummary(merged), tensors: merged.size}}
}
