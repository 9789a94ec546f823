import {CmaamError} from '../errors'
import {detectAdapter, type DetectedAdapter} from './detect-adapter'
import {getAdapter} from './registry'
import type {ModelTypeAdapter} from './types'

export interface ChooseAdapterOptions {
  /** `--model-type`: an adapter name, or `auto`. */
  modelType: string
  /** An adapter read from a file (`--adapter`): it wins over detection for this run. */
  adapter?: ModelTypeAdapter
  /** The model's config.json, or null; read only by detection. */
  config: Record<string, unknown> | null
  names: string[]
}

/** The adapter of one run: `--adapter FILE`, else `--model-type NAME`, else detected from config.json and names. */
export function chooseAdapter(options: ChooseAdapterOptions): DetectedAdapter {
  if (options.adapter !== undefined) {
    if (options.modelType !== 'auto') {
      throw new CmaamError(`--adapter and --model-type ${options.modelType} both choose the adapter`, {
        hint: 'Give one of them: --adapter FILE uses the file’s rules, --model-type NAME a registered adapter.',
      })
    }
    const {origin} = options.adapter
    return {adapter: options.adapter, reason: `--adapter ${origin.kind === 'file' ? origin.path : options.adapter.name}`, fallback: false}
  }
  if (options.modelType !== 'auto') return {adapter: getAdapter(options.modelType), reason: '--model-type', fallback: false}
  return detectAdapter({config: options.config, names: options.names})
}
