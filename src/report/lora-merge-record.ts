import type {Device} from '../compute/device/device'
/** What `cmaam lora merge` did: written as `cmaam_lora_info.json`, printed with `--json`, rendered into the model card. */
export interface LoraMergeRecord {
  timestamp: string
  cmaam_version: string
  /** The base and the adapter as the user named them (a folder or a Hub repo id). */
  base: string
  adapter: string
  output: string
  revisions?: {base?: string; adapter?: string}
  /** Where onnxruntime ran the products B·A (`--device`, resolved); the weights are the same on every device. */
  device: Device
  lora: {
    r: number
    lora_alpha: number
    use_rslora: boolean
    target_modules: string[] | string | null
    rank_pattern: Record<string, number>
    alpha_pattern: Record<string, number>
    fan_in_fan_out: boolean
    modules_to_save: string[]
  }
  dtype: string
  tensors: {updated: number; replaced: number; unchanged: number}
  /** Every tensor the adapter changed: W + s·B·A with its rank, alpha and s. */
  updated: Array<{name: string; rank: number; alpha: number; scale: number}>
  replaced: string[]
  files: {weights: string[]; total_size: number; copied: string[]}
  timing: {seconds: number}
}
