import type {FloatDType} from '../io/dtype'
import {decodeFloats, encodeFloats} from '../compute/float-codecs'
import type {Layout} from './map-initializers'
import type {ParameterSource} from './parameter-source'
import {product} from './tensor-types'

const CHUNK = 1 << 20

export interface EncodedWeight {
  /** The encoded tensor; empty when it went to `sink`. */
  bytes: Uint8Array
  /** Largest |written − checkpoint| over the tensor (the written value decoded back). */
  maxAbsDiff: number
}

/**
 * A float initializer of `dims` and `dtype` holding the parameter `source` (row-major), transposed
 * when `layout` says so; each value rounded once to `dtype`. Works in chunks of about 1 M elements; with
 * a `sink`, each chunk is handed over as soon as it is encoded (and its buffer reused), so memory
 * stays at one chunk whatever the tensor's size.
 */
export function encodeFloatWeight(source: ParameterSource, dims: number[], layout: Layout, dtype: FloatDType, sink?: (chunk: Uint8Array) => void): EncodedWeight {
  const count = product(dims)
  const size = {F32: 4, F16: 2, BF16: 2, F64: 8}[dtype]
  const rows = dims[0]
  const cols = count / Math.max(rows, 1)
  // A transposed chunk is a band of whole output rows: each parameter row then gives a contiguous
  // run to the band (cache-friendly), instead of one value per output row.
  const bandRows = Math.max(1, Math.floor(CHUNK / cols))
  const step = Math.min(layout === 'transposed' ? bandRows * cols : CHUNK, count)
  const bytes = new Uint8Array(sink ? step * size : count * size)
  const chunk = new Float64Array(step)
  const back = new Float64Array(step)
  let maxAbsDiff = 0
  for (let start = 0; start < count; start += step) {
    const n = Math.min(step, count - start)
    if (layout === 'transposed') {
      // Output [rows, cols] = parameter [cols, rows] transposed: output (r, c) = parameter (c, r).
      const first = start / cols
      const band = n / cols
      for (let c = 0; c < cols; c++) {
        const base = c * rows + first
        for (let j = 0; j < band; j++) chunk[j * cols + c] = source.at(base + j)
      }
    } else {
      source.read(start, n, chunk)
    }
    const out = sink ? bytes.subarray(0, n * size) : bytes.subarray(start * size, (start + n) * size)
    encodeFloats(dtype, chunk, n, out)
    decodeFloats(dtype, out, n, back)
    for (let i = 0; i < n; i++) {
      const diff = Math.abs(back[i] - chunk[i])
      if (diff > maxAbsDiff) maxAbsDiff = diff
    }
    sink?.(out)
  }
  return {bytes: sink ? new Uint8Array(0) : bytes, maxAbsDiff}
}
