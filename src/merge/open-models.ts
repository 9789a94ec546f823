import type {Device} from '../compute/device/device'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import {isAdapterFolder} from '../lora/open-lora-adapter'
import {openFineTune} from '../lora/open-fine-tune'
import {readModelConfig} from '../io/read-model-config'
import type {Checkpoint} from '../io/safetensors/types'
import {chooseAdapter} from '../models/choose-adapter'
import type {ModelTypeAdapter} from '../models/types'
import {checkFamilies} from './check-families'

export interface OpenedModels {
  sources: Checkpoint[]
  target: Checkpoint
  targetConfig: Record<string, unknown> | null
  adapter: ModelTypeAdapter
  /** Why this adapter: `--adapter`, `--model-type`, or what detection matched. */
  adapterReason: string
  /** Detection recognised no family and fell back to the generic rules. */
  adapterFallback: boolean
  /** Per source: a text-only LLM (by its config.json and names) to merge into the target's language model. */
  textSources: boolean[]
}

export interface OpenModelsOptions {
  sources: string[]
  target: string
  modelType: string
  adapter?: ModelTypeAdapter
  device: Device
  /** How messages name the models (default: the folders). */
  labels?: {sources: string[]; target: string}
  /** `--allow-family-mismatch`: merge a source of another family (by matching names) with a warning. */
  allowFamilyMismatch?: boolean
  warn?: (message: string) => void
}

/**
 * Opens the checkpoints (headers only), picks the adapter (`--adapter`, `--model-type`, else
 * detected from the target) and checks that each source is of the target's family or a text-only
 * LLM (`checkFamilies`). A source that is a LoRA adapter folder reads as the target with the adapter
 * applied (its products on `device`).
 */
export async function openModels(options: OpenModelsOptions): Promise<OpenedModels> {
  const target = await openCheckpoint(options.target)
  const targetConfig = await readModelConfig(target.dir)
  const targetNames = [...target.tensors.keys()]
  const textSources: boolean[] = []
  const sources: Checkpoint[] = []
  for (const [i, dir] of options.sources.entries()) {
    const source = await openFineTune(dir, target, options.device)
    sources.push(source)
    if (await isAdapterFolder(dir)) {
      textSources.push(false)
      continue
    }
    const {textSource} = checkFamilies({
      source: {label: options.labels?.sources[i] ?? dir, config: await readModelConfig(source.dir), names: [...source.tensors.keys()]},
      target: {label: options.labels?.target ?? options.target, config: targetConfig, names: targetNames},
      allowMismatch: options.allowFamilyMismatch ?? false,
      warn: options.warn,
    })
    textSources.push(textSource)
  }
  const chosen = chooseAdapter({modelType: options.modelType, adapter: options.adapter, config: targetConfig, names: targetNames})
  const hasTowers = targetNames.some((name) => ['vision', 'bridge'].includes(chosen.adapter.classify(name).component))
  return {sources, target, targetConfig, adapter: chosen.adapter, adapterReason: chosen.reason, adapterFallback: chosen.fallback, textSources: textSources.map((text) => text && hasTowers)}
}
