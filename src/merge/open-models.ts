import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import {readModelConfig} from '../io/read-model-config'
import type {Checkpoint} from '../io/safetensors/types'
import {detectAdapter} from '../models/detect-adapter'
import {getAdapter} from '../models/registry'
import type {ModelAdapter} from '../models/types'

export interface OpenedModels {
  sources: Checkpoint[]
  target: Checkpoint
  targetConfig: Record<string, unknown> | null
  adapter: ModelAdapter
  /** Why this adapter: `--model-type`, or what detection matched. */
  adapterReason: string
}

/** Opens the checkpoints (headers only) and picks the adapter: `--model-type`, else detected from the target. */
export async function openModels(options: {sources: string[]; target: string; modelType: string}): Promise<OpenedModels> {
  const [target, ...sources] = await Promise.all([options.target, ...options.sources].map((dir) => openCheckpoint(dir)))
  const targetConfig = await readModelConfig(target.dir)
  if (options.modelType !== 'auto') {
    return {sources, target, targetConfig, adapter: getAdapter(options.modelType), adapterReason: '--model-type'}
  }
  const detected = detectAdapter({config: targetConfig, names: [...target.tensors.keys()]})
  return {sources, target, targetConfig, adapter: detected.adapter, adapterReason: detected.reason}
}
