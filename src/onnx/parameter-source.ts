import {decodeFloats} from '../compute/float-codecs'
import type {FloatDType} from '../io/dtype'

/**
 * A checkpoint parameter's values, decoded on demand from its stored bytes (bf16, f16, f32, f64)
 * so that no float copy of a large tensor (an embedding of 233 M values) is ever made.
 */
export interface ParameterSource {
  count: number
  /** Decodes values [start, start + n) into `out`, exactly. */
  read(start: number, n: number, out: Float64Array): void
  /** The value at `index`, exactly (for strided reads such as a transpose). */
  at(index: number): number
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

export function parameterSource(dtype: FloatDType, bytes: Uint8Array, count: number): ParameterSource {
  const size = {F64: 8, F32: 4, F16: 2, BF16: 2}[dtype]
  const read = (start: number, n: number, out: Float64Array) => decodeFloats(dtype, bytes.subarray(start * size, (start + n) * size), n, out)
  let at: (index: number) => number
  switch (dtype) {
    case 'F32': {
      const view = new Float32Array(bytes.buffer, bytes.byteOffset, count)
      at = (index) => view[index]
      break
    }
    case 'F64': {
      const view = new Float64Array(bytes.buffer, bytes.byteOffset, count)
      at = (index) => view[index]
      break
    }
    case 'BF16': {
      const view = new Uint16Array(bytes.buffer, bytes.byteOffset, count)
      at = (index) => {
        u32[0] = view[index] << 16
        return f32[0]
      }
      break
    }
    case 'F16': {
      const one = new Float64Array(1)
      at = (index) => {
        decodeFloats('F16', bytes.subarray(index * 2, index * 2 + 2), 1, one)
        return one[0]
      }
      break
    }
  }
  return {count, read, at}
}
