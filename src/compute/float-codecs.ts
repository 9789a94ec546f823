import type {FloatDType} from '../io/dtype'

/*
 * Conversions between stored float formats and float64. Decoding is exact. Encoding rounds ONCE,
 * from the float64 value straight to the output format, to nearest with ties to even (spec §7): the
 * fast paths go through float32 and repair the only case where that double rounding could differ,
 * an exact float32 tie that was not a tie in float64.
 */

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('cmaam needs a little-endian host (safetensors data is little-endian)')
}

const F16_TABLE = (() => {
  const table = new Float64Array(65536)
  for (let h = 0; h < 65536; h++) {
    const exp = (h >>> 10) & 0x1f
    const frac = h & 0x3ff
    const magnitude = exp === 0 ? frac * 2 ** -24 : exp === 31 ? (frac ? Number.NaN : Infinity) : (1024 + frac) * 2 ** (exp - 25)
    table[h] = h & 0x8000 ? -magnitude : magnitude
  }
  return table
})()

/** The least float32 number at least x (x ≥ 0 or −∞). */
export function float32AtLeast(x: number): number {
  f32[0] = x
  if (f32[0] < x) u32[0]++
  return f32[0]
}

/** The greatest float32 number at most x (x ≥ 0). */
export function float32AtMost(x: number): number {
  f32[0] = x
  if (f32[0] > x) u32[0]--
  return f32[0]
}

/** The value of one bfloat16 bit pattern. */
export function bf16Value(bits: number): number {
  u32[0] = bits << 16
  return f32[0]
}

/** Decodes `count` little-endian values of `dtype` from `bytes` into `out`. */
export function decodeFloats(dtype: FloatDType, bytes: Uint8Array, count: number, out: Float64Array): void {
  switch (dtype) {
    case 'BF16': {
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, count)
      for (let i = 0; i < count; i++) {
        u32[0] = src[i] << 16
        out[i] = f32[0]
      }
      return
    }
    case 'F16': {
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, count)
      for (let i = 0; i < count; i++) out[i] = F16_TABLE[src[i]]
      return
    }
    case 'F32': {
      const src = new Float32Array(bytes.buffer, bytes.byteOffset, count)
      for (let i = 0; i < count; i++) out[i] = src[i]
      return
    }
    case 'F64':
      out.set(new Float64Array(bytes.buffer, bytes.byteOffset, count))
  }
}

/**
 * The `count` values of `bytes` as exact float32 or float64 numbers, without a float64 copy where
 * none is needed: F32 and F64 data are viewed in place, BF16 is widened into `bits` (whose float32
 * view is returned) and F16 looked up into it.
 */
export function viewFloats(dtype: FloatDType, bytes: Uint8Array, count: number, bits: Int32Array): Float32Array | Float64Array {
  switch (dtype) {
    case 'F32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, count)
    case 'F64':
      return new Float64Array(bytes.buffer, bytes.byteOffset, count)
    case 'BF16': {
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, count)
      for (let i = 0; i < count; i++) bits[i] = src[i] << 16
      return new Float32Array(bits.buffer, 0, count)
    }
    case 'F16': {
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, count)
      const out = new Float32Array(bits.buffer, 0, count)
      for (let i = 0; i < count; i++) out[i] = F16_TABLE[src[i]]
      return out
    }
  }
}

/** Encodes `count` float64 values into `out` as `dtype`, rounding each once to nearest-even. */
export function encodeFloats(dtype: FloatDType, values: Float64Array, count: number, out: Uint8Array): void {
  switch (dtype) {
    case 'BF16': {
      const dst = new Uint16Array(out.buffer, out.byteOffset, count)
      for (let i = 0; i < count; i++) dst[i] = bf16Bits(values[i])
      return
    }
    case 'F16': {
      const dst = new Uint16Array(out.buffer, out.byteOffset, count)
      for (let i = 0; i < count; i++) dst[i] = f16Bits(values[i])
      return
    }
    case 'F32':
      new Float32Array(out.buffer, out.byteOffset, count).set(values.subarray(0, count))
      return
    case 'F64':
      new Float64Array(out.buffer, out.byteOffset, count).set(values.subarray(0, count))
  }
}

/** bfloat16 bits of `x`, correctly rounded. */
export function bf16Bits(x: number): number {
  f32[0] = x
  let u = u32[0]
  if ((u & 0x7f800000) === 0x7f800000) return u & 0x7fffff ? 0x7fc0 : u >>> 16
  if ((u & 0xffff) === 0x8000) {
    const rounded = f32[0]
    if (rounded !== x) u = Math.abs(rounded) < Math.abs(x) ? u + 1 : u - 1
  }
  return (u + 0x7fff + ((u >>> 16) & 1)) >>> 16
}

/** IEEE binary16 bits of `x`, correctly rounded. */
export function f16Bits(x: number): number {
  f32[0] = x
  let u = u32[0]
  const exp = (u >>> 23) & 0xff
  // Outside binary16's normal range (subnormals, overflow, zero, NaN): the exact path.
  if (exp < 113 || exp > 142) return roundToBinary(x, 10, 5)
  if ((u & 0x1fff) === 0x1000) {
    const rounded = f32[0]
    if (rounded !== x) u = Math.abs(rounded) < Math.abs(x) ? u + 1 : u - 1
  }
  const base = ((u >>> 16) & 0x8000) | ((exp - 112) << 10) | ((u >>> 13) & 0x3ff)
  const dropped = u & 0x1fff
  return base + (dropped > 0x1000 || (dropped === 0x1000 && (base & 1)) ? 1 : 0)
}

/**
 * Rounds `x` to a binary format with `fracBits` fraction bits and `expBits` exponent bits (IEEE
 * layout, subnormals, round to nearest even) using exact float64 arithmetic; returns its bits.
 */
export function roundToBinary(x: number, fracBits: number, expBits: number): number {
  const bias = 2 ** (expBits - 1) - 1
  const expMask = 2 ** expBits - 1
  const signBit = x < 0 || Object.is(x, -0) ? 2 ** (fracBits + expBits) : 0
  const a = Math.abs(x)
  if (Number.isNaN(a)) return expMask * 2 ** fracBits + 2 ** (fracBits - 1)
  const emin = 1 - bias
  let e = emin
  if (a !== 0) {
    e = Math.floor(Math.log2(a))
    if (2 ** e > a) e--
    else if (2 ** (e + 1) <= a) e++
    e = Math.max(e, emin)
  }
  // a / 2^(e − fracBits): a power-of-two scaling, so exact unless `a` is infinite.
  let q = roundHalfEven(a * 2 ** (fracBits - e))
  if (q >= 2 ** (fracBits + 1)) {
    q /= 2
    e++
  }
  if (a === Infinity || e > bias) return signBit + expMask * 2 ** fracBits
  const bits = q >= 2 ** fracBits ? (e + bias) * 2 ** fracBits + (q - 2 ** fracBits) : q
  return signBit + bits
}

function roundHalfEven(q: number): number {
  const floor = Math.floor(q)
  const rest = q - floor
  if (rest > 0.5) return floor + 1
  if (rest < 0.5) return floor
  return floor % 2 === 0 ? floor : floor + 1
}
