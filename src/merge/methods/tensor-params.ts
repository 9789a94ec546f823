import type {ComponentMethod} from './resolve-methods'
import {PARAM_NAMES, type ParamName, type ParamSetting, type ParamValue, type TensorParams} from './types'

/** Where a tensor sits in its component, for gradients and module filters. */
export interface TensorPosition {
  name: string
  /** Block index within its tower (the adapter's layer pattern); null outside the numbered blocks. */
  layer: number | null
  /** Numbered blocks of the tensor's tower. */
  layers: number
}

/**
 * The parameters one tensor merges with: each parameter's first module filter whose text is in the
 * tensor's name (mergekit's `filter`), else its component's value; a gradient then gives the value
 * at the tensor's position among its tower's layers. The one place parameters meet tensors.
 */
export function tensorParams(component: ComponentMethod, position: TensorPosition, seed: number): TensorParams {
  const t = gradientPosition(position)
  const {weights, normalize, rescale} = component.params
  const values = {} as Record<ParamName, number>
  for (const param of PARAM_NAMES) values[param] = valueAt(settingFor(component.params[param], position.name), t)
  return {...values, weights: weights.map((w) => valueAt(w, t)), normalize, rescale, seed}
}

/**
 * mergekit's position along a gradient: layer i of n at i/(n − 1), the only layer of one at 1.
 * A tensor outside the numbered blocks (embeddings, norms, the projector) is at 0: the first value.
 */
export function gradientPosition(position: Pick<TensorPosition, 'layer' | 'layers'>): number {
  if (position.layer === null) return 0
  return position.layers > 1 ? position.layer / (position.layers - 1) : 1
}

/** A gradient's value at position t ∈ [0, 1], linearly between its two nearest entries (mergekit's evaluate_setting). */
export function valueAt(value: ParamValue, t: number): number {
  if (typeof value === 'number') return value
  const scaled = t * (value.length - 1)
  const i0 = Math.floor(scaled)
  const i1 = Math.min(value.length - 1, i0 + 1)
  const frac = scaled - i0
  return (1 - frac) * value[i0] + frac * value[i1]
}

/** The value a tensor takes: that of the first filter whose module text is in its name, else the setting's own. */
function settingFor(setting: ParamSetting, name: string): ParamValue {
  return setting.filters.find((filter) => name.includes(filter.module))?.value ?? setting.value
}
