import {compilePattern} from '../io/patterns/compile-pattern'
import {generic} from './adapters/generic'
import {listAdapters} from './registry'
import type {ModelTypeAdapter} from './types'

export interface DetectAdapterInput {
  /** The model's `config.json`, or null when there is none. */
  config: Record<string, unknown> | null
  /** The checkpoint's tensor names. */
  names: string[]
  /** Adapters to choose from, in detection order; defaults to the registry. */
  adapters?: readonly ModelTypeAdapter[]
}

export interface DetectedAdapter {
  adapter: ModelTypeAdapter
  /** Why this adapter was chosen, as a short sentence for the user. */
  reason: string
  /** No adapter recognised the model: the generic name-based rules were used as a last resort. */
  fallback: boolean
}

/**
 * Picks the adapter for a checkpoint: by the top-level `model_type` of config.json (a nested
 * `text_config.model_type` names the LM, not the family), then by `architectures`, then by the
 * first adapter whose name signature matches a tensor name; otherwise the generic rules.
 */
export function detectAdapter(input: DetectAdapterInput): DetectedAdapter {
  const adapters = input.adapters ?? listAdapters()
  const config = input.config ?? {}
  const modelType = typeof config.model_type === 'string' ? config.model_type : null
  const architectures = Array.isArray(config.architectures)
    ? config.architectures.filter((value): value is string => typeof value === 'string')
    : []

  if (modelType !== null) {
    const adapter = adapters.find((candidate) => candidate.definition.modelTypes.includes(modelType))
    if (adapter !== undefined) return {adapter, reason: `config.json model_type "${modelType}"`, fallback: false}
  }

  for (const architecture of architectures) {
    const adapter = adapters.find((candidate) => candidate.definition.architectures.includes(architecture))
    if (adapter !== undefined) return {adapter, reason: `config.json architectures "${architecture}"`, fallback: false}
  }

  const unknown = modelType === null ? null : `config.json model_type "${modelType}" is not a known family`
  for (const adapter of adapters) {
    for (const source of adapter.definition.signatures) {
      const pattern = compilePattern(source, {anchor: 'search', syntax: 'javascript', where: `adapter "${adapter.name}" signature`})
      const name = input.names.find((candidate) => pattern.test(candidate))
      if (name !== undefined) {
        const match = `tensor name "${name}" matches the ${adapter.name} signature`
        return {adapter, reason: unknown === null ? match : `${unknown}; ${match}`, fallback: false}
      }
    }
  }

  const fallback = adapters.find((candidate) => candidate.name === generic.name) ?? listAdapters().at(-1)!
  const why =
    unknown === null
      ? 'no config.json value or tensor name identifies a known family'
      : `${unknown} and no tensor name matches a family signature`
  return {adapter: fallback, reason: `${why}: using ${fallback.name} name-based rules`, fallback: true}
}
