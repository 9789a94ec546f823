import type {FloatDType} from '../io/dtype'
import {decodeFloats, encodeFloats} from '../compute/float-codecs'
import type {ParameterSource} from './parameter-source'

export interface Q4Options {
  /** Rows of the parameter ([N, K]: one MatMulNBits column per parameter row). */
  N: number
  K: number
  blockSize: number
  /** The scales' storage format (float32 for q4, float16 for q4f16). */
  scaleDtype: FloatDType
  /** Asymmetric with stored zero points, or symmetric around the implicit zero point 8. */
  zeroPoints: boolean
}

export interface Q4Weight {
  /** uint8 [N, blocks, blockSize / 2]: two 4-bit values per byte, low nibble first. */
  packed: Uint8Array
  /** [N · blocks] in `scaleDtype`. */
  scales: Uint8Array
  /** uint8 [N · ⌈blocks / 2⌉], low nibble first; null when symmetric. */
  zeroPoints: Uint8Array | null
  /** Largest |dequantized − parameter|. */
  maxAbsDiff: number
}

/**
 * Block-wise 4-bit quantization of a [N, K] parameter as onnxruntime's MatMulNBits reads it:
 * W[k, n] = (q − z)·s per block of `blockSize` along K. Asymmetric blocks span [min(0, lo), max(0, hi)]
 * in 15 steps; symmetric ones put the value of largest magnitude at −8 steps. The scale is rounded
 * to its storage format before the codes are chosen, so dequantizing gives what was measured.
 */
export function quantizeQ4(source: ParameterSource, options: Q4Options): Q4Weight {
  const {N, K, blockSize, scaleDtype} = options
  const blocks = Math.ceil(K / blockSize)
  const packed = new Uint8Array(N * blocks * (blockSize / 2))
  const rawScales = new Float64Array(N * blocks)
  const zeroPoints = options.zeroPoints ? new Uint8Array(N * Math.ceil(blocks / 2)) : null
  const scaleBytes = new Uint8Array(N * blocks * (scaleDtype === 'F64' ? 8 : scaleDtype === 'F32' ? 4 : 2))
  const one = new Float64Array(1)
  const oneBytes = new Uint8Array(8)
  /** The scale as stored: rounded once to the scale format. */
  const stored = (scale: number): number => {
    one[0] = scale
    encodeFloats(scaleDtype, one, 1, oneBytes)
    decodeFloats(scaleDtype, oneBytes, 1, one)
    return one[0]
  }
  let maxAbsDiff = 0
  const values = new Float64Array(K)
  for (let n = 0; n < N; n++) {
    source.read(n * K, K, values)
    for (let b = 0; b < blocks; b++) {
      const begin = b * blockSize
      const end = Math.min(begin + blockSize, K)
      let lo = 0
      let hi = 0
      let extreme = 0
      for (let k = begin; k < end; k++) {
        const v = values[k]
        if (v < lo) lo = v
        if (v > hi) hi = v
        if (Math.abs(v) > Math.abs(extreme)) extreme = v
      }
      let scale: number
      let zero: number
      if (zeroPoints) {
        scale = stored((hi - lo) / 15)
        zero = scale === 0 ? 8 : Math.min(15, Math.max(0, Math.round(-lo / scale)))
      } else {
        scale = stored(extreme / -8)
        zero = 8
      }
      rawScales[n * blocks + b] = scale
      if (zeroPoints) zeroPoints[n * Math.ceil(blocks / 2) + (b >> 1)] |= zero << ((b & 1) * 4)
      const base = (n * blocks + b) * (blockSize / 2)
      for (let k = begin; k < end; k++) {
        const v = values[k]
        const q = scale === 0 ? zero : Math.min(15, Math.max(0, Math.round(v / scale) + zero))
        packed[base + ((k - begin) >> 1)] |= q << (((k - begin) & 1) * 4)
        const diff = Math.abs((q - zero) * scale - v)
        if (diff > maxAbsDiff) maxAbsDiff = diff
      }
      // Padding past K dequantizes to 0: its code is the zero point.
      for (let k = end; k < begin + blockSize; k++) packed[base + ((k - begin) >> 1)] |= zero << (((k - begin) & 1) * 4)
    }
  }
  encodeFloats(scaleDtype, rawScales, rawScales.length, scaleBytes)
  return {packed, scales: scaleBytes, zeroPoints, maxAbsDiff}
}
