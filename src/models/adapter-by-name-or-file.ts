import {existsSync} from 'node:fs'
import {readAdapterFile} from './read-adapter-file'
import {getAdapter, listAdapters} from './registry'
import type {ModelTypeAdapter} from './types'

/** `cmaam adapters show|test NAME|FILE`: a registered adapter by name, else an adapter file. */
export async function adapterByNameOrFile(value: string): Promise<ModelTypeAdapter> {
  if (listAdapters().some((adapter) => adapter.name === value)) return getAdapter(value)
  if (existsSync(value) || /\.(?:json|ya?ml)$/i.test(value)) return readAdapterFile(value)
  return getAdapter(value)
}
