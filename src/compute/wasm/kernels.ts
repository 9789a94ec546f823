import {KERNELS_WASM_BASE64} from './kernels-binary'

// Node has WebAssembly; TypeScript's ES2022 lib and @types/node 20 do not declare it.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array)
  }
  class Memory {
    constructor(descriptor: {initial: number})
    readonly buffer: ArrayBuffer
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>)
    readonly exports: unknown
  }
}

/** The compiled module, once per thread (1 KB: compiling it synchronously costs nothing). */
let compiled: WebAssembly.Module | undefined

/**
 * The WebAssembly SIMD kernels of one thread and their memory: three regions of `capacity`·8 bytes
 * (two inputs and an output: the worker reads file chunks straight into them) and a few result slots.
 */
export interface Kernels {
  a: Uint8Array
  b: Uint8Array
  out: Uint8Array
  /**
   * out = bf16(t + α(s − t)) rounded once, for `count` bf16 targets in region `a` and sources in
   * region `b`, into region `out`. Returns false, leaving `out` unspecified, when an input or result
   * is not finite.
   */
  lerpBf16(count: number, alpha: number): boolean
  /**
   * out = bf16(w + scale·d) rounded once, for `count` bf16 weights in region `a` and float32 updates
   * in region `b`, into region `out`. Returns false, leaving `out` unspecified, when a value is not finite.
   */
  addScaledBf16(count: number, scale: number): boolean
  /** Whether the first `count` bf16 values of region `a` are all finite. */
  finiteBf16(count: number): boolean
  /**
   * Σ(s−K_s), Σ(s−K_s)², Σ|s|, Σ(t−K_t), Σ(t−K_t)², Σ|t| and Σs·t over the first `count − count mod 4`
   * bf16 sources in region `a` and targets in region `b`, in float64 (the caller adds the tail).
   */
  momentsBf16(count: number, shiftS: number, shiftT: number): Float64Array
}

interface Exports {
  lerp_bf16(t: number, s: number, o: number, n: number, alpha: number): number
  add_scaled_bf16(w: number, d: number, o: number, n: number, scale: number): number
  any_nonfinite_bf16(p: number, n: number): number
  moments_bf16(s: number, t: number, n: number, shiftS: number, shiftT: number, res: number): void
}

export function createKernels(capacity: number): Kernels {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'))
  // Room for 7 more bf16 elements after a region's last one: kernels pad their inputs to a multiple of 4 or 8.
  const region = capacity * 8 + 16
  const memory = new WebAssembly.Memory({initial: Math.ceil((3 * region + 64) / 65536)})
  const exports = new WebAssembly.Instance(compiled, {env: {memory}}).exports as Exports
  const a = new Uint8Array(memory.buffer, 0, region)
  const b = new Uint8Array(memory.buffer, region, region)
  const out = new Uint8Array(memory.buffer, 2 * region, region)
  const results = new Float64Array(memory.buffer, 3 * region, 7)
  return {
    a,
    b,
    out,
    lerpBf16(count, alpha) {
      const padded = (count + 3) & ~3
      // Zeros in the padding: finite, so they never flag the chunk as non-finite.
      a.fill(0, 2 * count, 2 * padded)
      b.fill(0, 2 * count, 2 * padded)
      return exports.lerp_bf16(a.byteOffset, b.byteOffset, out.byteOffset, padded, alpha) === 0
    },
    addScaledBf16(count, scale) {
      const padded = (count + 3) & ~3
      a.fill(0, 2 * count, 2 * padded)
      b.fill(0, 4 * count, 4 * padded)
      return exports.add_scaled_bf16(a.byteOffset, b.byteOffset, out.byteOffset, padded, scale) === 0
    },
    finiteBf16(count) {
      const padded = (count + 7) & ~7
      a.fill(0, 2 * count, 2 * padded)
      return exports.any_nonfinite_bf16(a.byteOffset, padded) === 0
    },
    momentsBf16(count, shiftS, shiftT) {
      exports.moments_bf16(a.byteOffset, b.byteOffset, count & ~3, shiftS, shiftT, results.byteOffset)
      return results
    },
  }
}
