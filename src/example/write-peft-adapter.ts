import {mkdir, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {writeSafetensors, type TensorData} from '../io/safetensors/write-safetensors'
import {ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE} from '../io/peft-file-names'

export interface WritePeftAdapterOptions {
  /** Folder to write `adapter_config.json` and `adapter_model.safetensors` into. */
  dir: string
  /** The `lora_A`/`lora_B` factors, keyed as PEFT saves them. */
  tensors: TensorData[]
  /** `base_model_name_or_path` of the adapter's config. */
  baseLabel: string
  r: number
  loraAlpha: number
  loraDropout: number
  targetModules: string[]
}

/** Writes a PEFT LoRA adapter folder as PEFT saves one: the factors and a plain LoRA config. */
export async function writePeftAdapter(options: WritePeftAdapterOptions): Promise<void> {
  const dir = resolve(options.dir)
  await mkdir(dir, {recursive: true})
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), options.tensors)
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: options.baseLabel,
    r: options.r,
    lora_alpha: options.loraAlpha,
    lora_dropout: options.loraDropout,
    target_modules: options.targetModules,
    use_rslora: false,
    fan_in_fan_out: false,
    bias: 'none',
    modules_to_save: null,
    rank_pattern: {},
    alpha_pattern: {},
  }
  await writeFile(join(dir, ADAPTER_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`)
}
