import {CmaamError} from '../../errors'
import {decodeFloats} from '../../compute/float-codecs'
import {isFloatDType} from '../../io/dtype'
import {openCheckpoint} from '../../io/checkpoint/open-checkpoint'
import {numel} from '../../io/safetensors/numel'
import {readTensorBytes} from '../../io/safetensors/read-tensor-bytes'
import type {WeightTensor} from './qwen2vl-shape'

/** Every float tensor of a (small) checkpoint folder, as float32: for writing example graphs. */
export async function readWeights(dir: string): Promise<Map<string, WeightTensor>> {
  const checkpoint = await openCheckpoint(dir)
  const weights = new Map<string, WeightTensor>()
  for (const [name, entry] of checkpoint.tensors) {
    if (!isFloatDType(entry.dtype)) continue
    const bytes = await readTensorBytes(entry.path, entry.offset, entry.byteLength)
    const count = numel(entry.shape)
    const values = new Float64Array(count)
    decodeFloats(entry.dtype, bytes, count, values)
    weights.set(name, {shape: entry.shape, values: Float32Array.from(values)})
  }
  if (weights.size === 0) throw new CmaamError(`${dir} holds no float weights`, {hint: 'Pass a folder with Qwen2-VL safetensors weights.'})
  return weights
}
