import {bf16Bits, decodeFloats, encodeFloats, f16Bits} from '../../src/compute/float-codecs'
import {createRandom} from '../../src/compute/random'
import {BF16, F16, roundExact, valueOf, type BinaryFormat} from './exact-rounding'

/** Inputs that probe every rounding path: ties, near-ties, the double-rounding trap, subnormals, overflow. */
function probes(f: BinaryFormat): number[] {
  const random = createRandom(7, `probes-${f.fracBits}`)
  const out: number[] = [0, -0, 1, -1, Infinity, -Infinity, 65504, 65519.99, 65520, 65536, 3.3895313892515355e38, 3.4e38, 1e-45, 2 ** -24, 2 ** -25, 2 ** -25 * 1.5, 2 ** -133, 2 ** -134, 5.960464477539063e-8]
  const maxBits = (2 ** f.expBits - 1) * 2 ** f.fracBits
  for (let i = 0; i < 3000; i++) {
    const bits = random.below(maxBits - 1)
    const a = valueOf(bits, f)
    const b = valueOf(bits + 1, f)
    const mid = a + (b - a) / 2
    const tiny = Math.abs(mid) * 2 ** -40
    // An exact tie, values just off it (which a float32 intermediate would turn into a tie), and random points.
    out.push(mid, -mid, mid + tiny, mid - tiny, a + (b - a) * random.next(), -(a + (b - a) * random.next()))
  }
  for (let i = 0; i < 2000; i++) out.push((random.next() - 0.5) * 2 ** (random.below(80) - 40))
  return out
}

describe('float codecs', () => {
  it.each([
    ['bf16', BF16, bf16Bits],
    ['f16', F16, f16Bits],
  ] as const)('%s encoding rounds float64 once, to nearest even (exact BigInt reference)', (_, format, encode) => {
    for (const x of probes(format)) {
      const expected = roundExact(x, format)
      if (encode(x) !== expected) throw new Error(`x=${x}: got 0x${encode(x).toString(16)}, expected 0x${expected.toString(16)}`)
    }
  })

  it('encodes NaN as a quiet NaN', () => {
    expect(bf16Bits(Number.NaN) & 0x7fc0).toBe(0x7fc0)
    expect(f16Bits(Number.NaN) & 0x7e00).toBe(0x7e00)
  })

  it.each([
    ['BF16', BF16],
    ['F16', F16],
  ] as const)('decodes every %s bit pattern exactly', (dtype, format) => {
    const bytes = new Uint8Array(65536 * 2)
    const u16 = new Uint16Array(bytes.buffer)
    for (let i = 0; i < 65536; i++) u16[i] = i
    const out = new Float64Array(65536)
    decodeFloats(dtype, bytes, 65536, out)
    for (let i = 0; i < 65536; i++) {
      const expected = valueOf(i, format)
      if (!Object.is(out[i], expected) && !(Number.isNaN(out[i]) && Number.isNaN(expected))) throw new Error(`0x${i.toString(16)}: ${out[i]} vs ${expected}`)
    }
  })

  it('round-trips F32 and F64 values bit for bit', () => {
    const f32 = Float32Array.from([0, -0, 1.5, -3.25e-40, 3.4028234663852886e38, 1e-7])
    const out32 = new Float64Array(f32.length)
    decodeFloats('F32', new Uint8Array(f32.buffer), f32.length, out32)
    const back = new Uint8Array(f32.byteLength)
    encodeFloats('F32', out32, f32.length, back)
    expect(Buffer.from(back)).toEqual(Buffer.from(f32.buffer))

    const f64 = Float64Array.from([Math.PI, -1e-310, 1e308])
    const out64 = new Float64Array(f64.length)
    decodeFloats('F64', new Uint8Array(f64.buffer), f64.length, out64)
    expect([...out64]).toEqual([...f64])
  })

  it('rounds float64 to float32 once when encoding F32', () => {
    // 1 + 2^-24 + 2^-50 is just above a float32 tie: nearest is 1 + 2^-23.
    const values = Float64Array.from([1 + 2 ** -24 + 2 ** -50, 1 + 2 ** -24])
    const out = new Uint8Array(8)
    encodeFloats('F32', values, 2, out)
    expect([...new Float32Array(out.buffer)]).toEqual([1 + 2 ** -23, 1])
  })
})
