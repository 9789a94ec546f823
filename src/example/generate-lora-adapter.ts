import {createRandom} from '../compute/random'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import type {TensorData} from '../io/safetensors/write-safetensors'
import {writePeftAdapter} from './write-peft-adapter'

export interface GenerateLoraAdapterOptions {
  /** The model folder the adapter is for. */
  base: string
  /** Folder to write `adapter_config.json` and `adapter_model.safetensors` into. */
  dir: string
  r: number
  loraAlpha: number
  /** Module-name suffixes to adapt (PEFT's `target_modules`). */
  targetModules: string[]
  seed?: number
}

/**
 * Writes a PEFT LoRA adapter for every 2-D weight of `base` whose module name ends in one of
 * `targetModules`, as PEFT saves one (float32 factors, keys `base_model.model.<module>.lora_A.weight`),
 * with seeded random factors of a trained adapter's scale. Returns the number of adapted modules.
 */
export async function generateLoraAdapter(options: GenerateLoraAdapterOptions): Promise<number> {
  const base = await openCheckpoint(options.base)
  const tensors: TensorData[] = []
  const {r} = options
  for (const t of base.tensors.values()) {
    const module = t.name.replace(/\.weight$/, '')
    if (t.shape.length !== 2 || module === t.name || !options.targetModules.some((m) => module.endsWith(`.${m}`))) continue
    const [out, inDim] = t.shape
    const random = createRandom(options.seed ?? 0, module)
    const factor = (count: number, scale: number): Uint8Array => {
      const values = new Float32Array(count)
      for (let i = 0; i < count; i++) values[i] = (random.next() * 2 - 1) * scale
      return new Uint8Array(values.buffer)
    }
    tensors.push(
      {name: `base_model.model.${module}.lora_A.weight`, dtype: 'F32', shape: [r, inDim], data: factor(r * inDim, 1 / Math.sqrt(inDim))},
      {name: `base_model.model.${module}.lora_B.weight`, dtype: 'F32', shape: [out, r], data: factor(out * r, 1e-3)},
    )
  }
  await writePeftAdapter({dir: options.dir, tensors, baseLabel: base.dir, r, loraAlpha: options.loraAlpha, loraDropout: 0.05, targetModules: options.targetModules})
  return tensors.length / 2
}
