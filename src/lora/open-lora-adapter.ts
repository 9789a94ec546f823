import {readdir, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {isPickleWeights} from '../io/is-pickle-weights'
import {resolveInside} from '../io/paths/resolve-inside'
import {readSafetensorsHeader} from '../io/safetensors/read-safetensors-header'
import type {SafetensorsHeader} from '../io/safetensors/types'
import {ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE} from '../io/peft-file-names'
import {readAdapterConfig, type LoraConfig} from './adapter-config'
import {parseAdapterKeys, type AdapterKeys} from './parse-adapter-keys'

export interface LoraAdapter {
  /** Absolute path of the adapter folder. */
  dir: string
  config: LoraConfig
  /** The header of `adapter_model.safetensors`. */
  weights: SafetensorsHeader
  keys: AdapterKeys
}

/** Whether `dir` is a PEFT adapter folder (it has `adapter_config.json`) rather than a model. */
export async function isAdapterFolder(dir: string): Promise<boolean> {
  return stat(join(dir, ADAPTER_CONFIG_FILE)).then(
    (s) => s.isFile(),
    () => false,
  )
}

/** Opens a PEFT LoRA adapter folder: its config and the header of its safetensors weights (pickles refused). */
export async function openLoraAdapter(dir: string): Promise<LoraAdapter> {
  const absolute = resolve(dir)
  const config = await readAdapterConfig(absolute)
  const names = await readdir(absolute)
  if (!names.includes(ADAPTER_WEIGHTS_FILE)) {
    const pickles = names.filter(isPickleWeights)
    throw new CmaamError(
      pickles.length > 0
        ? `${absolute} holds the adapter as PyTorch pickle weights (${pickles.join(', ')}); cmaam does not load pickles because unpickling runs arbitrary code`
        : `No ${ADAPTER_WEIGHTS_FILE} in ${absolute}`,
      {hint: 'Save the adapter with safetensors: model.save_pretrained(dir, safe_serialization=True) (the default since PEFT 0.6).'},
    )
  }
  const weights = await readSafetensorsHeader(resolveInside({folder: absolute, entry: ADAPTER_WEIGHTS_FILE, kind: 'file', file: absolute, what: 'adapter file'}))
  let keys: AdapterKeys
  try {
    keys = parseAdapterKeys(weights.tensors.map((t) => t.name))
  } catch (error) {
    throw new CmaamError(`Cannot apply ${weights.path}: ${(error as Error).message}`, {
      hint: 'cmaam applies PEFT LoRA adapters of Linear and Embedding modules, one adapter per folder.',
    })
  }
  return {dir: absolute, config, weights, keys}
}
