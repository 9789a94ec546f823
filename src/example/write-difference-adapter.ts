import {mkdir, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {writeSafetensors, type TensorData} from '../io/safetensors/write-safetensors'
import {ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE} from '../io/peft-file-names'
import {readWeights} from './qwen2vl-onnx/read-weights'

export interface WriteDifferenceAdapterOptions {
  base: string
  finetuned: string
  /** The module whose weight difference the adapter carries, e.g. `lm_head`. */
  module: string
  /** Folder to write `adapter_config.json` and `adapter_model.safetensors` into. */
  dir: string
  /** `base_model_name_or_path` of the adapter's config. */
  baseLabel: string
}

/**
 * Writes the PEFT LoRA adapter that turns `base`'s `<module>.weight` into `finetuned`'s: the
 * difference's nonzero columns c₁…c_r become B (its [out, r] columns) and A selects them (row i is
 * 1 at cᵢ), with lora_alpha = r so that B·A is the difference itself. Made for differences that
 * touch few input columns (the planted answer table); returns the rank.
 */
export async function writeDifferenceAdapter(options: WriteDifferenceAdapterOptions): Promise<number> {
  const name = `${options.module}.weight`
  const [base, tuned] = [(await readWeights(options.base)).get(name), (await readWeights(options.finetuned)).get(name)]
  if (!base || !tuned || base.shape.length !== 2 || base.shape.join() !== tuned.shape.join()) {
    throw new CmaamError(`${name} is not a matrix of the same shape in ${options.base} and ${options.finetuned}`)
  }
  const [out, inDim] = base.shape
  const columns: number[] = []
  for (let c = 0; c < inDim; c++) {
    for (let r = 0; r < out; r++) {
      if (tuned.values[r * inDim + c] !== base.values[r * inDim + c]) {
        columns.push(c)
        break
      }
    }
  }
  const rank = Math.max(1, columns.length)
  const a = new Float32Array(rank * inDim)
  const b = new Float32Array(out * rank)
  columns.forEach((column, i) => {
    a[i * inDim + column] = 1
    for (let r = 0; r < out; r++) b[r * rank + i] = tuned.values[r * inDim + column] - base.values[r * inDim + column]
  })
  const tensors: TensorData[] = [
    {name: `base_model.model.${options.module}.lora_A.weight`, dtype: 'F32', shape: [rank, inDim], data: new Uint8Array(a.buffer)},
    {name: `base_model.model.${options.module}.lora_B.weight`, dtype: 'F32', shape: [out, rank], data: new Uint8Array(b.buffer)},
  ]
  const dir = resolve(options.dir)
  await mkdir(dir, {recursive: true})
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), tensors)
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: options.baseLabel,
    r: rank,
    lora_alpha: rank,
    lora_dropout: 0,
    target_modules: [options.module],
    use_rslora: false,
    fan_in_fan_out: false,
    bias: 'none',
    modules_to_save: null,
    rank_pattern: {},
    alpha_pattern: {},
  }
  await writeFile(join(dir, ADAPTER_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`)
  return rank
}
