import type {DType} from '../io/dtype'
import {numel} from '../io/safetensors/numel'
import {chooseAdapter} from '../models/choose-adapter'
import {COMPONENTS, type Component, type ModelTypeAdapter} from '../models/types'
import {unmatchedNames, type UnmatchedGroup} from '../models/unmatched-names'

export interface InspectedTensor {
  name: string
  component: Component
  layer: number | null
  /** null when only the index is present (shards not downloaded). */
  dtype: DType | null
  shape: number[] | null
}

export interface InspectReport {
  model_type: string
  model_type_reason: string
  /** No adapter recognised the model: the generic rules classified it. */
  model_type_fallback: boolean
  /** Names no rule of the adapter recognises (they count as language) or only a catch-all does, grouped by prefix. */
  unmatched: UnmatchedGroup[]
  /** Where names came from: the shards' headers, or `model.safetensors.index.json` alone. */
  from: 'headers' | 'index'
  tensors: InspectedTensor[]
  counts: Record<Component, number>
  /** Parameters per component; null when shapes are unknown (index only). */
  parameters: Record<Component, number> | null
  dtypes: Record<string, number>
}

export interface ClassifyTensorsOptions {
  entries: Array<{name: string; dtype: DType | null; shape: number[] | null}>
  /** The model's config.json, or null: used to detect the model type. */
  config: Record<string, unknown> | null
  /** An adapter name, or `auto`. */
  modelType: string
  /** An adapter from `--adapter FILE`, used instead of detection. */
  adapter?: ModelTypeAdapter
  from: InspectReport['from']
}

/** The inspection report of a list of tensors, wherever they were read from (a folder or the Hub). */
export function classifyTensors(options: ClassifyTensorsOptions): InspectReport {
  const entries = [...options.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const names = entries.map((e) => e.name)
  const detected = chooseAdapter({modelType: options.modelType, adapter: options.adapter, config: options.config, names})
  const counts = Object.fromEntries(COMPONENTS.map((c) => [c, 0])) as Record<Component, number>
  const parameters = Object.fromEntries(COMPONENTS.map((c) => [c, 0])) as Record<Component, number>
  const dtypes: Record<string, number> = {}
  const tensors = entries.map((e): InspectedTensor => {
    const {component, layer} = detected.adapter.classify(e.name)
    counts[component]++
    if (e.shape) parameters[component] += numel(e.shape)
    if (e.dtype) dtypes[e.dtype] = (dtypes[e.dtype] ?? 0) + 1
    return {name: e.name, component, layer, dtype: e.dtype, shape: e.shape}
  })
  return {
    model_type: detected.adapter.name,
    model_type_reason: detected.reason,
    model_type_fallback: detected.fallback,
    unmatched: unmatchedNames(detected.adapter, names),
    from: options.from,
    tensors,
    counts,
    parameters: options.from === 'index' ? null : parameters,
    dtypes,
  }
}
