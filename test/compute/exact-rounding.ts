/**
 * An exact, slow reference for rounding float64 values to small binary formats, independent of the
 * code under test: every value is scaled to an integer multiple of 2^-1100 as a BigInt, and the
 * nearest representable value is found by exact comparison (ties to the even bit pattern).
 */
const SCALE = 1100n

/** x as an exact BigInt multiple of 2^-1100 (x must be finite). */
export function exactScaled(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const sign = bits >> 63n ? -1n : 1n
  const exp = Number((bits >> 52n) & 0x7ffn)
  const frac = bits & 0xfffffffffffffn
  const mantissa = exp === 0 ? frac : frac | (1n << 52n)
  const e = BigInt((exp === 0 ? 1 : exp) - 1075)
  return sign * (mantissa << (SCALE + e))
}

export interface BinaryFormat {
  fracBits: number
  expBits: number
}

export const BF16: BinaryFormat = {fracBits: 7, expBits: 8}
export const F16: BinaryFormat = {fracBits: 10, expBits: 5}
export const F32: BinaryFormat = {fracBits: 23, expBits: 8}

/** Magnitude of a non-negative bit pattern as a scaled BigInt; the infinity pattern maps to the next power of two after the largest finite value (where IEEE rounding sends overflow). */
function magnitudeOf(bits: number, f: BinaryFormat): bigint {
  const bias = 2 ** (f.expBits - 1) - 1
  const exp = bits >> f.fracBits
  const frac = BigInt(bits & (2 ** f.fracBits - 1))
  const mant = exp === 0 ? frac : frac | (1n << BigInt(f.fracBits))
  const e = BigInt((exp === 0 ? 1 : exp) - bias - f.fracBits)
  return mant << (SCALE + e)
}

/**
 * Correctly rounded bits (round to nearest, ties to even) of an exact value given as a BigInt
 * multiple of 2^-(1100 + extraScale).
 */
export function roundScaled(value: bigint, f: BinaryFormat, negative: boolean, extraScale = 0n): number {
  const a = value < 0n ? -value : value
  const magnitude = (bits: number, fmt: BinaryFormat): bigint => magnitudeOf(bits, fmt) << extraScale
  const signBit = negative ? 2 ** (f.fracBits + f.expBits) : 0
  const inf = (2 ** f.expBits - 1) * 2 ** f.fracBits
  let lo = 0
  let hi = inf
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (magnitude(mid, f) <= a) lo = mid
    else hi = mid
  }
  const below = a - magnitude(lo, f)
  const above = magnitude(hi, f) - a
  const bits = below < above ? lo : below > above ? hi : lo % 2 === 0 ? lo : hi
  return signBit + bits
}

export function roundExact(x: number, f: BinaryFormat): number {
  if (Number.isNaN(x)) throw new Error('no NaN here')
  if (!Number.isFinite(x)) return (x < 0 ? 2 ** (f.fracBits + f.expBits) : 0) + (2 ** f.expBits - 1) * 2 ** f.fracBits
  return roundScaled(exactScaled(x), f, x < 0 || Object.is(x, -0))
}

/** The exact value of a bit pattern as a float64 (every bf16/f16 value is one). */
export function valueOf(bits: number, f: BinaryFormat): number {
  const sign = bits >> (f.fracBits + f.expBits) ? -1 : 1
  const bias = 2 ** (f.expBits - 1) - 1
  const exp = (bits >> f.fracBits) & (2 ** f.expBits - 1)
  const frac = bits & (2 ** f.fracBits - 1)
  if (exp === 2 ** f.expBits - 1) return frac ? Number.NaN : sign * Infinity
  return sign * (exp === 0 ? frac * 2 ** (1 - bias - f.fracBits) : (2 ** f.fracBits + frac) * 2 ** (exp - bias - f.fracBits))
}

