import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {Component, ModelTypeAdapter, ParamClass} from '../../src/models'
import {sharedDir} from '../helpers/shared'

export interface WeightMap {
  file: string
  modelType: string
  /** The adapter named first in the fixture's `cmaam_adapter` field. */
  adapter: string
  names: string[]
}

/** Reads a fixture from ../shared (only call this inside `describeWithShared`). */
export function loadWeightMap(file: string): WeightMap {
  const data = JSON.parse(readFileSync(join(sharedDir!, 'fixtures', 'weightmaps', file), 'utf8')) as {
    model_type: string
    cmaam_adapter: string
    tensors: Record<string, unknown>
  }
  return {file, modelType: data.model_type, adapter: /^\w+/.exec(data.cmaam_adapter)![0], names: Object.keys(data.tensors)}
}

/**
 * One row of a hand-written expectation table: names starting with `prefix` (first row wins) have
 * this component; `layer` (one capture group) gives the expected layer, else null; `tower` likewise.
 */
export type Row = [prefix: string, component: Component, layer?: RegExp | null, tower?: RegExp]

export function expectedClass(name: string, table: readonly Row[]): ParamClass | undefined {
  const row = table.find(([prefix]) => name.startsWith(prefix))
  if (row === undefined) return undefined
  const [, component, layer, tower] = row
  const layerText = layer?.exec(name)?.[1]
  return {
    component,
    layer: layerText === undefined ? null : Number(layerText),
    tower: tower?.exec(name)?.[1] ?? null,
  }
}

/** Every name whose classification differs from the table, with both answers (empty when all agree). */
export function mismatches(adapter: ModelTypeAdapter, names: readonly string[], table: readonly Row[]): string[] {
  return names.flatMap((name) => {
    const expected = expectedClass(name, table)
    const actual = adapter.classify(name)
    if (expected === undefined) return [`${name}: no row of the expectation table covers it`]
    return format(actual) === format(expected) ? [] : [`${name}: expected ${format(expected)}, got ${format(actual)}`]
  })
}

function format({component, layer, tower}: ParamClass): string {
  return `${component} layer=${layer} tower=${tower}`
}

export function countByComponent(adapter: ModelTypeAdapter, names: readonly string[]): Record<Component, number> {
  const counts: Record<Component, number> = {vision: 0, bridge: 0, language: 0, shared: 0}
  for (const name of names) counts[adapter.classify(name).component]++
  return counts
}

/** Distinct layer indices the adapter gives one component (and tower), sorted. */
export function layersOf(adapter: ModelTypeAdapter, names: readonly string[], component: Component, tower: string | null = null): number[] {
  const layers = new Set<number>()
  for (const name of names) {
    const found = adapter.classify(name)
    if (found.component === component && found.tower === tower && found.layer !== null) layers.add(found.layer)
  }

  return [...layers].sort((a, b) => a - b)
}

/** 0 … n−1 */
export function range(n: number): number[] {
  return Array.from({length: n}, (_, i) => i)
}
