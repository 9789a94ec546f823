import type {FloatDType} from '../io/dtype'
import {decodeFloats, encodeFloats} from './float-codecs'
import {createKernels, type Kernels} from './wasm/kernels'

/** Scratch buffers a thread reuses for every chunk; sized for `capacity` elements. */
export interface LerpScratch {
  capacity: number
  /** The SIMD kernels and their memory regions (the job context reads file chunks into them). */
  kernels: Kernels
  target: Float64Array
  source: Float64Array
  /** Float32 bit patterns (for `viewFloats`) as int32: V8 stores int32 elements several times faster than uint32 ones. */
  bits: Int32Array
  otherBits: Int32Array
}

export function createLerpScratch(capacity: number): LerpScratch {
  return {
    capacity,
    kernels: createKernels(capacity),
    target: new Float64Array(capacity),
    source: new Float64Array(capacity),
    bits: new Int32Array(capacity),
    otherBits: new Int32Array(capacity),
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
    // The common case (bf16 checkpoints) in WebAssembly SIMD; a chunk with a non-finite value goes the
    // float64 way below, which keeps NaN payloads.
    const {kernels} = scratch
    const bytes = 2 * count
    toRegion(input.target, kernels.a, bytes)
    toRegion(input.source, kernels.b, bytes)
    if (kernels.lerpBf16(count, alpha)) {
      if (!isRegion(out, kernels.out)) out.set(kernels.out.subarray(0, bytes))
      return true
    }
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

/** Puts `view`'s first `byteLength` bytes in the kernel region `region`, unless they are there already. */
function toRegion(view: Uint8Array, region: Uint8Array, byteLength: number): void {
  if (!isRegion(view, region)) region.set(view.subarray(0, byteLength))
}

function isRegion(view: Uint8Array, region: Uint8Array): boolean {
  return view.buffer === region.buffer && view.byteOffset === region.byteOffset
}
