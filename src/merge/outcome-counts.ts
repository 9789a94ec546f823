import {COMPONENTS, type Component} from '../models/types'
import type {MergePlan} from './plan-merge'

/** Where a component's output tensors came from. */
export interface OutcomeCounts {
  /** Combined by the component's method. */
  merged: number
  /** The target's: not mergeable (shape, dtype, missing in a source) or the method is keep-target. */
  kept_target: number
  /** The source's, by the keep-source method. */
  kept_source: number
  target_only: number
  source_only: number
}

/**
 * What happened to each planned tensor, per component and in total: the plan's action, read
 * through the component's method (a `merge` tensor of a keep-target component is the target's).
 */
export function outcomeCounts(plan: MergePlan, methodOf: (component: Component) => string): {total: OutcomeCounts; components: Record<Component, OutcomeCounts>} {
  const empty = (): OutcomeCounts => ({merged: 0, kept_target: 0, kept_source: 0, target_only: 0, source_only: 0})
  const components = Object.fromEntries(COMPONENTS.map((c) => [c, empty()])) as Record<Component, OutcomeCounts>
  const total = empty()
  for (const t of plan.tensors) {
    const method = methodOf(t.class.component)
    const outcome: keyof OutcomeCounts =
      t.action === 'merge' ? (method === 'keep-target' ? 'kept_target' : method === 'keep-source' ? 'kept_source' : 'merged') : t.action === 'keep-target' ? 'kept_target' : t.action === 'target-only' ? 'target_only' : 'source_only'
    components[t.class.component][outcome]++
    total[outcome]++
  }
  return {total, components}
}
