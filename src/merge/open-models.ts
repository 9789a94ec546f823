import type {Device} from '../compute/device/device'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import {openFineTune} from '../lora/open-fine-tune'
import {readModelConfig} from '../io/read-model-config'
import type {Checkpoint} from '../io/safetensors/types'
import {chooseAdapter} from '../models/choose-adapter'
import type {ModelTypeAdapter} from '../models/types'

export interface OpenedModels {
  sources: Checkpoint[]
  target: Checkpoint
  targetConfig: Record<string, unknown> | null
  adapter: ModelTypeAdapter
  /** Why this adapter: `--adapter`, `--model-type`, or what detection matched. */
  adapterReason: string
  /** Detection recognised no family and fell back to the generic rules. */
  adapterFallback: boolean
}

/**
 * Opens the checkpoints (headers only) and picks the adapter: `--adapter`, `--model-type`, else
 * detected from the target. A source that is a LoRA adapter folder reads as the target with the
 * adapter applied (its products on `device`).
 */
export async function openModels(options: {sources: string[]; target: string; modelType: string; adapter?: ModelTypeAdapter; device: Device}): Promise<OpenedModels> {
  const target = await openCheckpoint(options.target)
  const sources = await Promise.all(options.sources.map((dir) => openFineTune(dir, target, options.device)))
  const targetConfig = await readModelConfig(target.dir)
  const chosen = chooseAdapter({modelType: options.modelType, adapter: options.adapter, config: targetConfig, names: [...target.tensors.keys()]})
  return {sources, target, targetConfig, adapter: chosen.adapter, adapterReason: chosen.reason, adapterFallback: chosen.fallback}
}
