import type {ParamClass} from '../models/types'

/** The key of a tensor's tower: its component and tower id. */
export function towerKey(cls: ParamClass): string {
  return `${cls.component}\u0000${cls.tower ?? ''}`
}

/** Numbered blocks per tower (highest layer index + 1), from the layer indices the adapter reads off the names. */
export function towerLayers(classes: Iterable<ParamClass>): Map<string, number> {
  const layers = new Map<string, number>()
  for (const cls of classes) {
    if (cls.layer === null) continue
    const key = towerKey(cls)
    layers.set(key, Math.max(layers.get(key) ?? 0, cls.layer + 1))
  }
  return layers
}
