import type {FloatDType} from '../io/dtype'
import {decodeFloats, encodeFloats} from '../compute/float-codecs'
import type {Layout} from './map-initializers'
import {product} from './tensor-types'

const CHUNK = 1 << 20

export interface EncodedWeight {
  bytes: Uint8Array
  /** Largest |written − checkpoint| over the tensor (the written value decoded back). */
  maxAbsDiff: number
}

/**
 * A float initializer of `dims` and `dtype` holding `values` (the parameter, row-major, exact),
 * transposed when `layout` says so; each value rounded once to `dtype`. Works in chunks of 1 M
 * elements so that no float64 copy of a large tensor is made.
 */
export function encodeFloatWeight(values: Float32Array | Float64Array, dims: number[], layout: Layout, dtype: FloatDType): EncodedWeight {
  const count = product(dims)
  const size = {F32: 4, F16: 2, BF16: 2, F64: 8}[dtype]
  const bytes = new Uint8Array(count * size)
  const chunk = new Float64Array(Math.min(CHUNK, count))
  const back = new Float64Array(chunk.length)
  const rows = dims[0]
  const cols = count / Math.max(rows, 1)
  let maxAbsDiff = 0
  for (let start = 0; start < count; start += chunk.length) {
    const n = Math.min(chunk.length, count - start)
    if (layout === 'transposed') {
      // Output [rows, cols] = parameter [cols, rows] transposed.
      for (let i = 0; i < n; i++) {
        const index = start + i
        const row = Math.floor(index / cols)
        chunk[i] = values[(index - row * cols) * rows + row]
      }
    } else {
      for (let i = 0; i < n; i++) chunk[i] = values[start + i]
    }
    const out = bytes.subarray(start * size, (start + n) * size)
    encodeFloats(dtype, chunk, n, out)
    decodeFloats(dtype, out, n, back)
    for (let i = 0; i < n; i++) {
      const diff = Math.abs(back[i] - chunk[i])
      if (diff > maxAbsDiff || Number.isNaN(diff)) maxAbsDiff = Number.isNaN(diff) ? maxAbsDiff : diff
    }
  }
  return {bytes, maxAbsDiff}
}
