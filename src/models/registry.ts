import {CmaamError} from '../errors'
import {cogvlm} from './adapters/cogvlm'
import {generic} from './adapters/generic'
import {llava} from './adapters/llava'
import {llavaOnevision} from './adapters/llava-onevision'
import {mplugowl} from './adapters/mplugowl'
import {qwen2vl} from './adapters/qwen2vl'
import {createAdapter} from './create-adapter'
import type {AdapterDefinition, AdapterOrigin, ModelTypeAdapter} from './types'

const BUILT_IN: AdapterOrigin = {kind: 'built-in'}

/**
 * Known adapters in detection order: name signatures are tried in this order, so a family whose
 * signature is more specific comes before one it overlaps (OneVision before LLaVA). Adapters
 * registered later (plugins, code) follow the built-ins; the generic rules stay outside the list
 * and always come last, so that they are only ever the fallback.
 */
const adapters: ModelTypeAdapter[] = []
const fallback = createAdapter(generic, {origin: BUILT_IN})
for (const definition of [qwen2vl, llavaOnevision, llava, cogvlm, mplugowl]) registerAdapter(definition, {origin: BUILT_IN})

/** Every adapter in detection order, `generic` last. */
export function listAdapters(): ModelTypeAdapter[] {
  return [...adapters, fallback]
}

/** The adapter for a `--model-type` value. */
export function getAdapter(name: string): ModelTypeAdapter {
  const adapter = listAdapters().find((candidate) => candidate.name === name)
  if (adapter === undefined) {
    const names = listAdapters().map((candidate) => candidate.name).join(', ')
    throw new CmaamError(`unknown model type "${name}" (--model-type takes one of: ${names})`, {
      hint: 'Leave --model-type out to detect the family from config.json and the tensor names, or list the adapters with `cmaam adapters list`.',
    })
  }

  return adapter
}

/**
 * Adds an adapter. Its name, `model_type` values and architectures must be new: two adapters
 * claiming the same config value would make detection depend on load order.
 */
export function registerAdapter(definition: AdapterDefinition, options: {origin?: AdapterOrigin} = {}): ModelTypeAdapter {
  const adapter = createAdapter(definition, options)
  const {name, modelTypes, architectures} = adapter.definition
  const fail = (problem: string): never => {
    throw new CmaamError(`adapter "${name}": ${problem}`, {
      hint: 'Give the adapter another name, or leave out the config values another adapter already claims.',
    })
  }

  const known = listAdapters()
  if (known.some((other) => other.name === name)) fail('an adapter with this name is already registered')
  for (const other of known) {
    const modelType = modelTypes.find((value) => other.definition.modelTypes.includes(value))
    if (modelType !== undefined) fail(`model_type "${modelType}" is already claimed by adapter "${other.name}"`)
    const architecture = architectures.find((value) => other.definition.architectures.includes(value))
    if (architecture !== undefined) fail(`architecture "${architecture}" is already claimed by adapter "${other.name}"`)
  }

  adapters.push(adapter)
  return adapter
}

/** Removes a registered adapter (plugins are reloaded per command); built-ins stay. */
export function unregisterAdapter(name: string): void {
  const at = adapters.findIndex((adapter) => adapter.name === name && adapter.origin.kind !== 'built-in')
  if (at >= 0) adapters.splice(at, 1)
}
