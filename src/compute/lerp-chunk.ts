import type {FloatDType} from '../io/dtype'
import {bf16Bits, decodeFloats, encodeFloats} from './float-codecs'

/** Scratch buffers a thread reuses for every chunk; sized for `capacity` elements. */
export interface LerpScratch {
  capacity: number
  target: Float64Array
  source: Float64Array
  bits: Uint32Array
  bitsF32: Float32Array
  otherBits: Uint32Array
  otherF32: Float32Array
}

export function createLerpScratch(capacity: number): LerpScratch {
  const bits = new Uint32Array(capacity)
  const otherBits = new Uint32Array(capacity)
  return {
    capacity,
    target: new Float64Array(capacity),
    source: new Float64Array(capacity),
    bits,
    bitsF32: new Float32Array(bits.buffer),
    otherBits,
    otherF32: new Float32Array(otherBits.buffer),
  }
}

/**
 * merged = target + α·(source − target) for `count` elements, rounded once into `outDtype`.
 * This form (rather than (1−α)·T + α·S) returns the target exactly wherever source equals target,
 * for every dtype. Returns false when an input or result is not finite.
 */
export function lerpChunk(
  input: {targetDtype: FloatDType; target: Uint8Array; sourceDtype: FloatDType; source: Uint8Array},
  count: number,
  alpha: number,
  outDtype: FloatDType,
  out: Uint8Array,
  scratch: LerpScratch,
): boolean {
  if (input.targetDtype === 'BF16' && input.sourceDtype === 'BF16' && outDtype === 'BF16') {
    return lerpBf16(input.target, input.source, count, alpha, out, scratch)
  }

  const t = scratch.target
  const s = scratch.source
  decodeFloats(input.targetDtype, input.target, count, t)
  decodeFloats(input.sourceDtype, input.source, count, s)
  let poison = 0
  for (let i = 0; i < count; i++) {
    const x = t[i] + alpha * (s[i] - t[i])
    t[i] = x
    poison += x * 0
  }
  encodeFloats(outDtype, t, count, out)
  return poison === 0
}

// The common case (bf16 checkpoints) unrolled: widen through float32 bit views, no float64 arrays.
function lerpBf16(target: Uint8Array, source: Uint8Array, count: number, alpha: number, out: Uint8Array, scratch: LerpScratch): boolean {
  const t16 = new Uint16Array(target.buffer, target.byteOffset, count)
  const s16 = new Uint16Array(source.buffer, source.byteOffset, count)
  const o16 = new Uint16Array(out.buffer, out.byteOffset, count)
  const tBits = scratch.bits
  const tF32 = scratch.bitsF32
  const sBits = scratch.otherBits
  const sF32 = scratch.otherF32
  for (let i = 0; i < count; i++) {
    tBits[i] = t16[i] << 16
    sBits[i] = s16[i] << 16
  }
  let special = 0
  for (let i = 0; i < count; i++) {
    const t = tF32[i]
    const x = t + alpha * (sF32[i] - t)
    tF32[i] = x
    let u = tBits[i]
    const rounded = tF32[i]
    // Rounding to float32 made an exact tie for bfloat16 out of a value that was not one: nudge
    // it toward the true value. Tested in this order because both tests are then predictable.
    if (rounded !== x && (u & 0xffff) === 0x8000) u = Math.abs(rounded) < Math.abs(x) ? u + 1 : u - 1
    // A convex combination of finite bfloat16 values cannot overflow float32: an all-ones
    // exponent means an input was not finite.
    special |= (u & 0x7f800000) ^ 0x7f800000 ? 0 : 1
    o16[i] = (u + 0x7fff + ((u >>> 16) & 1)) >>> 16
  }
  if (special === 0) return true
  // NaN payloads must stay NaN through rounding: redo this chunk's non-finite values exactly.
  for (let i = 0; i < count; i++) if (!Number.isFinite(tF32[i])) o16[i] = bf16Bits(tF32[i])
  return false
}
