import type {Device} from '../compute/device/device'
import type {ProgressFactory} from '../progress'
import type {OutputDtype} from './plan-merge'

/** How any merge writes its model (`merge` and `lora merge` alike): output, shards, checks, device. */
export interface WriteSettings {
  output: string
  dtype: OutputDtype
  maxShardBytes: number
  force: boolean
  allowNonfinite: boolean
  threads: number
  /** Where onnxruntime runs the spectra and LoRA products (already resolved from `auto`). */
  device: Device
  progress: ProgressFactory
  /** Arguments after `cmaam` that reproduce this merge, for the model card. */
  reproduce: string
}
