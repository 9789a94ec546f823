import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import {openFineTune} from '../lora/open-fine-tune'
import {readModelConfig} from '../io/read-model-config'
import type {Checkpoint} from '../io/safetensors/types'
import {detectAdapter} from '../models/detect-adapter'
import {getAdapter} from '../models/registry'
import type {ModelAdapter} from '../models/types'

export interface OpenedModels {
  source: Checkpoint
  target: Checkpoint
  targetConfig: Record<string, unknown> | null
  adapter: ModelAdapter
  /** Why this adapter: `--model-type`, or what detection matched. */
  adapterReason: string
}

/**
 * Opens both checkpoints (headers only) and picks the adapter: `--model-type`, else detected from the
 * target. A source that is a LoRA adapter folder reads as the target with the adapter applied.
 */
export async function openModels(options: {source: string; target: string; modelType: string}): Promise<OpenedModels> {
  const target = await openCheckpoint(options.target)
  const source = await openFineTune(options.source, target)
  const targetConfig = await readModelConfig(target.dir)
  if (options.modelType !== 'auto') {
    return {source, target, targetConfig, adapter: getAdapter(options.modelType), adapterReason: '--model-type'}
  }
  const detected = detectAdapter({config: targetConfig, names: [...target.tensors.keys()]})
  return {source, target, targetConfig, adapter: detected.adapter, adapterReason: detected.reason}
}
