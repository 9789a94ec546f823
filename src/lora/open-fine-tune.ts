import type {Device} from '../compute/device/device'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import type {Checkpoint} from '../io/safetensors/types'
import {isAdapterFolder, openLoraAdapter} from './open-lora-adapter'
import {openLoraCheckpoint} from './open-lora-checkpoint'

/** A fine-tune given as a model folder, or as a PEFT LoRA adapter folder applied to `base` on the fly. */
export async function openFineTune(dir: string, base: Checkpoint, device: Device): Promise<Checkpoint> {
  if (!(await isAdapterFolder(dir))) return openCheckpoint(dir)
  return openLoraCheckpoint({adapter: await openLoraAdapter(dir), base, device}).checkpoint
}
