import {createAdapter} from '../models/create-adapter'
import {readAdapterFile} from '../models/read-adapter-file'
import type {ModelTypeAdapter} from '../models/types'
import type {AdapterOption} from './types'

/** `adapter`: a file is read and checked (errors name the key and line); a definition is checked as registerAdapter does. */
export async function adapterOption(value: AdapterOption | undefined): Promise<ModelTypeAdapter | undefined> {
  if (value === undefined) return undefined
  return typeof value === 'string' ? readAdapterFile(value) : createAdapter(value, {origin: {kind: 'code'}})
}
