import type {FloatDType} from '../io/dtype'
import {decodeFloats, encodeFloats} from '../compute/float-codecs'
import type {ParameterSource} from './parameter-source'
import type {Layout} from './map-initializers'

export interface Q8Options {
  /** The parameter's shape; channels are its rows (axis 0: a Linear's or Conv's outputs). */
  shape: number[]
  /** How the weight stores it: MatMulInteger reads it transposed ([in, out]). */
  layout: Layout
  signed: boolean
  perChannel: boolean
  /** Symmetric: zero point at the middle of the range (0 for int8, 128 for uint8). */
  symmetric: boolean
  scaleDtype: FloatDType
}

export interface Q8Weight {
  /** int8 or uint8 codes in the weight's layout. */
  codes: Uint8Array
  /** One scale per channel (or one), in `scaleDtype`. */
  scales: Uint8Array
  /** One zero point per channel (or one), as int8/uint8 bytes. */
  zeroPoints: Uint8Array
  maxAbsDiff: number
}

/**
 * 8-bit quantization, per tensor or per output channel: q = clamp(round(v / s) + z), v ≈ (q − z)·s.
 * Symmetric uses the range ±max|v|; asymmetric spans [min(0, lo), max(0, hi)].
 */
export function quantizeQ8(source: ParameterSource, options: Q8Options): Q8Weight {
  const rows = options.shape[0]
  const count = source.count
  const cols = count / rows
  const values = new Float64Array(cols)
  const [qmin, qmax] = options.signed ? [-128, 127] : [0, 255]
  const channels = options.perChannel ? rows : 1
  const perChannel = options.perChannel ? cols : count
  const scales = new Float64Array(channels)
  const zeros = new Int32Array(channels)
  const one = new Float64Array(1)
  const oneBytes = new Uint8Array(8)
  for (let c = 0; c < channels; c++) {
    let lo = 0
    let hi = 0
    for (let r = (c * perChannel) / cols; r < ((c + 1) * perChannel) / cols; r++) {
      source.read(r * cols, cols, values)
      for (let i = 0; i < cols; i++) {
        if (values[i] < lo) lo = values[i]
        if (values[i] > hi) hi = values[i]
      }
    }
    let scale: number
    let zero: number
    if (options.symmetric) {
      // int8 uses ±127 (the symmetric range onnxruntime's quantizer uses), uint8 0…255 around 128.
      zero = options.signed ? 0 : 128
      scale = (Math.max(-lo, hi) * 2) / (options.signed ? 254 : 255)
    } else {
      scale = (hi - lo) / (qmax - qmin)
    }
    one[0] = scale
    encodeFloats(options.scaleDtype, one, 1, oneBytes)
    decodeFloats(options.scaleDtype, oneBytes, 1, one)
    scale = one[0]
    if (!options.symmetric) zero = scale === 0 ? 0 : Math.min(qmax, Math.max(qmin, Math.round(qmin - lo / scale)))
    scales[c] = scale
    zeros[c] = zero!
  }
  const codes = new Uint8Array(count)
  const signedView = new Int8Array(codes.buffer)
  let maxAbsDiff = 0
  for (let row = 0; row < rows; row++) {
    source.read(row * cols, cols, values)
    const c = options.perChannel ? row : 0
    const scale = scales[c]
    for (let col = 0; col < cols; col++) {
      const q = scale === 0 ? zeros[c] : Math.min(qmax, Math.max(qmin, Math.round(values[col] / scale) + zeros[c]))
      // The weight is [in, out] for MatMulInteger: parameter element (row, col) goes to (col, row).
      const at = options.layout === 'transposed' ? col * rows + row : row * cols + col
      if (options.signed) signedView[at] = q
      else codes[at] = q
      const diff = Math.abs((q - zeros[c]) * scale - values[col])
      if (diff > maxAbsDiff) maxAbsDiff = diff
    }
  }
  const scaleBytes = new Uint8Array(channels * (options.scaleDtype === 'F64' ? 8 : options.scaleDtype === 'F32' ? 4 : 2))
  encodeFloats(options.scaleDtype, scales, channels, scaleBytes)
  const zeroPoints = new Uint8Array(channels)
  for (let c = 0; c < channels; c++) zeroPoints[c] = zeros[c] & 0xff
  return {codes, scales: scaleBytes, zeroPoints, maxAbsDiff}
}
