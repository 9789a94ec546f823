import {createLerpScratch, lerpChunk} from '../../src/compute/lerp-chunk'
import {createRandom} from '../../src/compute/random'
import type {FloatDType} from '../../src/io/dtype'
import {BF16, F16, F32, roundExact, valueOf, type BinaryFormat} from './exact-rounding'

const FORMATS: Record<'BF16' | 'F16' | 'F32', BinaryFormat> = {BF16, F16, F32}

/** Random finite values of a format (bit patterns), weighted toward ordinary weight magnitudes. */
function randomBits(format: BinaryFormat, count: number, seed: number): number[] {
  const random = createRandom(seed, 'lerp')
  const width = format.fracBits + format.expBits
  return Array.from({length: count}, () => {
    for (;;) {
      const bits = random.below(2 ** (width + 1))
      if (Number.isFinite(valueOf(bits, format)) && Math.abs(valueOf(bits, format)) < 1e4) return bits
    }
  })
}

function bytesOf(dtype: 'BF16' | 'F16' | 'F32', bits: number[]): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(Uint32Array.from(bits).buffer)
  return new Uint8Array(Uint16Array.from(bits).buffer)
}

function readBits(dtype: FloatDType, bytes: Uint8Array, count: number): number[] {
  return dtype === 'F32' ? [...new Uint32Array(bytes.buffer, 0, count)] : [...new Uint16Array(bytes.buffer, 0, count)]
}

describe('lerpChunk', () => {
  const cases: Array<['BF16' | 'F16' | 'F32', 'BF16' | 'F16' | 'F32', 'BF16' | 'F16' | 'F32']> = [
    ['BF16', 'BF16', 'BF16'],
    ['F16', 'F16', 'F16'],
    ['F32', 'F32', 'F32'],
    ['BF16', 'F32', 'BF16'],
    ['BF16', 'BF16', 'F32'],
    ['F16', 'BF16', 'F16'],
  ]
  // The arithmetic is float64 (spec §7: "float32 or wider"); the one rounding to the output format
  // is checked against the exact BigInt reference. (Exact rational arithmetic would differ on exact
  // float64 ties: with α = 0.3 the float64 value of α is 0.29999999999999998889…, which decides
  // ties that the intended 3/10 leaves to ties-to-even.)
  it.each(cases)('target %s, source %s → %s equals float64 target + α(source − target) rounded once to nearest even', (td, sd, od) => {
    const n = 4000
    const t = randomBits(FORMATS[td], n, 1)
    const s = randomBits(FORMATS[sd], n, 2)
    for (const alpha of [0.5, 0.3, 0.7, 0.6234567891, 0.05]) {
      const out = new Uint8Array(n * 4)
      const finite = lerpChunk({targetDtype: td, target: bytesOf(td, t), sourceDtype: sd, source: bytesOf(sd, s)}, n, alpha, od, out, createLerpScratch(n))
      expect(finite).toBe(true)
      const got = readBits(od, out, n)
      for (let i = 0; i < n; i++) {
        const tv = valueOf(t[i], FORMATS[td])
        const expected = roundExact(tv + alpha * (valueOf(s[i], FORMATS[sd]) - tv), FORMATS[od])
        if (got[i] !== expected) throw new Error(`α=${alpha} i=${i}: got 0x${got[i].toString(16)}, expected 0x${expected.toString(16)}`)
      }
    }
  })

  it('returns the target bit for bit where source equals target, for any α', () => {
    const n = 2000
    for (const dtype of ['BF16', 'F16', 'F32'] as const) {
      const t = bytesOf(dtype, randomBits(FORMATS[dtype], n, 3))
      const out = new Uint8Array(t.byteLength)
      lerpChunk({targetDtype: dtype, target: t, sourceDtype: dtype, source: t}, n, 0.37, dtype, out, createLerpScratch(n))
      expect(Buffer.from(out)).toEqual(Buffer.from(t))
    }
  })

  it('reports non-finite inputs', () => {
    for (const bad of [0x7f80, 0xff80, 0x7fc1]) {
      const t = Uint16Array.from([0x3f80, bad, 0x3f80])
      const s = Uint16Array.from([0x3f80, 0x3f80, 0x3f80])
      const finite = lerpChunk({targetDtype: 'BF16', target: new Uint8Array(t.buffer), sourceDtype: 'BF16', source: new Uint8Array(s.buffer)}, 3, 0.5, 'BF16', new Uint8Array(6), createLerpScratch(3))
      expect(finite).toBe(false)
    }
    const t = Float32Array.from([1, Number.NaN])
    expect(lerpChunk({targetDtype: 'F32', target: new Uint8Array(t.buffer), sourceDtype: 'F32', source: new Uint8Array(t.buffer)}, 2, 0.5, 'F32', new Uint8Array(8), createLerpScratch(2))).toBe(false)
  })
})
