import {writeFile} from 'node:fs/promises'
import type {DType} from '../dtype'
import {encodeSafetensorsHeader} from './encode-safetensors-header'
import {tensorByteLength} from './tensor-byte-length'

export interface TensorData {
  name: string
  dtype: DType
  shape: number[]
  /** Raw little-endian bytes. */
  data: Uint8Array
}

/**
 * Writes a whole safetensors file from in-memory tensors, in the given order: for small files
 * (tests, examples). Metadata defaults to `{format: 'pt'}`; pass null to write none.
 */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorData[],
  metadata: Record<string, string> | null = {format: 'pt'},
): Promise<void> {
  let begin = 0
  const names = new Set<string>()
  const placed = tensors.map(({name, dtype, shape, data}) => {
    if (names.has(name)) throw new Error(`Tensor "${name}" is listed twice`)
    names.add(name)
    const byteLength = tensorByteLength(dtype, shape)
    if (data.byteLength !== byteLength) {
      throw new RangeError(`Tensor "${name}": ${dtype} ${JSON.stringify(shape)} needs ${byteLength} bytes, got ${data.byteLength}`)
    }
    const entry = {name, dtype, shape, begin, end: begin + byteLength}
    begin = entry.end
    return entry
  })
  await writeFile(path, [encodeSafetensorsHeader(placed, metadata), ...tensors.map(({data}) => data)])
}
