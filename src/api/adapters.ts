import {listAdapters as registeredAdapters, registerAdapter as addAdapter} from '../models/registry'
import type {AdapterDefinition, AdapterOrigin, ModelTypeAdapter} from '../models/types'
import {adapterOption} from './adapter-option'
import type {ListAdaptersOptions} from './types'

/** An adapter as `cmaam adapters list --json` lists it. */
export interface AdapterInfo {
  name: string
  title: string
  origin: AdapterOrigin
  model_types: string[]
  architectures: string[]
}

/**
 * Checks an adapter definition and adds it to detection, after the built-ins and before
 * `generic`, for every later call in this process. Its name, model types and architectures must be new.
 */
export function registerAdapter(definition: AdapterDefinition): AdapterInfo {
  return adapterInfo(addAdapter(definition, {origin: {kind: 'code'}}))
}

/** The adapters in detection order, `generic` last (an `adapter` file or definition first): `cmaam adapters list --json`. */
export async function listAdapters(options: ListAdaptersOptions = {}): Promise<AdapterInfo[]> {
  const extra = await adapterOption(options.adapter)
  return [...(extra ? [extra] : []), ...registeredAdapters()].map(adapterInfo)
}

/** Types an adapter definition where it is written (a plugin's hook, a test): it returns it unchanged. */
export function defineAdapter<T extends AdapterDefinition>(definition: T): T {
  return definition
}

function adapterInfo(adapter: ModelTypeAdapter): AdapterInfo {
  return {name: adapter.name, title: adapter.title, origin: adapter.origin, model_types: adapter.definition.modelTypes, architectures: adapter.definition.architectures}
}
