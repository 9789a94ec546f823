import type {ParamClass} from '../models/types'
import {gradientPosition} from './methods/tensor-params'

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

/** Each tensor's position along a gradient (layer i of its tower's n at i/(n − 1)), by name. */
export function layerPositions(tensors: ReadonlyArray<{name: string; class: ParamClass}>): Map<string, number> {
  const layers = towerLayers(tensors.map((t) => t.class))
  return new Map(tensors.map((t) => [t.name, gradientPosition({layer: t.class.layer, layers: layers.get(towerKey(t.class)) ?? 0})]))
}
