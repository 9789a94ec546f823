import {CmaamError} from '../errors'
import {cogvlm} from './adapters/cogvlm'
import {generic} from './adapters/generic'
import {llava} from './adapters/llava'
import {llavaOnevision} from './adapters/llava-onevision'
import {mplugowl} from './adapters/mplugowl'
import {qwen2vl} from './adapters/qwen2vl'
import {createAdapter} from './create-adapter'
import type {AdapterDefinition, ModelAdapter} from './types'

/**
 * Known adapters in detection order: name signatures are tried in this order, so a family whose
 * signature is more specific comes before one it overlaps (OneVision before LLaVA). Adapters
 * registered later (plugins, declarative files) follow the built-ins.
 */
const adapters: ModelAdapter[] = []
for (const definition of [qwen2vl, llavaOnevision, llava, cogvlm, mplugowl, generic]) registerAdapter(definition)

export function listAdapters(): ModelAdapter[] {
  return [...adapters]
}

/** The adapter for a `--model-type` value. */
export function getAdapter(name: string): ModelAdapter {
  const adapter = adapters.find((candidate) => candidate.name === name)
  if (adapter === undefined) {
    const names = adapters.map((candidate) => candidate.name).join(', ')
    throw new CmaamError(`unknown model type "${name}" (--model-type takes one of: ${names})`, {
      hint: 'Leave --model-type out to detect the family from config.json and the tensor names.',
    })
  }

  return adapter
}

/**
 * Adds an adapter. Its name, `model_type` values and architectures must be new: two adapters
 * claiming the same config value would make detection depend on load order.
 */
export function registerAdapter(definition: AdapterDefinition): ModelAdapter {
  const adapter = createAdapter(definition)
  const {name, modelTypes, architectures} = adapter.definition
  const fail = (problem: string): never => {
    throw new CmaamError(`adapter "${name}": ${problem}`, {
      hint: 'Give the adapter another name, or leave out the config values another adapter already claims.',
    })
  }

  if (adapters.some((other) => other.name === name)) fail('an adapter with this name is already registered')
  for (const other of adapters) {
    const modelType = modelTypes.find((value) => other.definition.modelTypes.includes(value))
    if (modelType !== undefined) fail(`model_type "${modelType}" is already claimed by adapter "${other.name}"`)
    const architecture = architectures.find((value) => other.definition.architectures.includes(value))
    if (architecture !== undefined) fail(`architecture "${architecture}" is already claimed by adapter "${other.name}"`)
  }

  adapters.push(adapter)
  return adapter
}
