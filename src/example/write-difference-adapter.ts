import {CmaamError} from '../errors'
import type {TensorData} from '../io/safetensors/write-safetensors'
import {readWeights} from './qwen2vl-onnx/read-weights'
import {writePeftAdapter} from './write-peft-adapter'

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
  await writePeftAdapter({dir: options.dir, tensors, baseLabel: options.baseLabel, r: rank, loraAlpha: rank, loraDropout: 0, targetModules: [options.module]})
  return rank
}
