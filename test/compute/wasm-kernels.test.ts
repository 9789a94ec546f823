import {execFileSync} from 'node:child_process'
import {join} from 'node:path'
import {lerpChunk, createLerpScratch} from '../../src/compute/lerp-chunk'
import {createKernels} from '../../src/compute/wasm/kernels'
import {pairChunkMomentsBf16} from '../../src/compute/pair-chunk-moments'
import {createRandom} from '../../src/compute/random'
import {KERNELS_WASM_BASE64} from '../../src/compute/wasm/kernels-binary'
import {BF16, roundExact, valueOf} from './exact-rounding'

const random = createRandom(11, 'wasm-kernels')

/** A finite bf16 bit pattern of ordinary weight magnitude. */
function finiteBits(): number {
  for (;;) {
    const bits = random.below(0x10000)
    const v = valueOf(bits, BF16)
    if (Number.isFinite(v) && Math.abs(v) < 1e4) return bits
  }
}

describe('WebAssembly kernels', () => {
  it('are the assembled kernels.wat (run `node scripts/assemble-kernels.js` after editing it)', () => {
    const fresh = execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'assemble-kernels.js'), '--print'], {encoding: 'utf8'})
    expect(fresh).toBe(KERNELS_WASM_BASE64)
  })

  it('lerp: every length, near-ties and subnormals, garbage after the data: float64 target + α(source − target) rounded once', () => {
    const scratch = createLerpScratch(64)
    const {a, b, out} = scratch.kernels
    for (let count = 1; count <= 23; count++) {
      for (const alpha of [0.5, 0.3, 0.7, 1 / 3, 0.0625, 0.999]) {
        // Infinities after the data: the padding must not read them.
        new Uint16Array(a.buffer, a.byteOffset, 32).fill(0x7f80)
        new Uint16Array(b.buffer, b.byteOffset, 32).fill(0xff80)
        const t = Array.from({length: count}, finiteBits)
        // Every third source is the target's neighbour (ties after rounding), some values subnormal.
        const s = t.map((bits, i) => (i % 3 === 0 ? (bits + 1) & 0x7f7f : i % 5 === 0 ? random.below(0x80) : finiteBits()))
        new Uint16Array(a.buffer, a.byteOffset, count).set(t)
        new Uint16Array(b.buffer, b.byteOffset, count).set(s)
        const view = out.subarray(0, 2 * count)
        expect(lerpChunk({targetDtype: 'BF16', target: a, sourceDtype: 'BF16', source: b}, count, alpha, 'BF16', view, scratch)).toBe(true)
        const got = new Uint16Array(out.buffer, out.byteOffset, count)
        for (let i = 0; i < count; i++) {
          const tv = valueOf(t[i], BF16)
          expect(got[i]).toBe(roundExact(tv + alpha * (valueOf(s[i], BF16) - tv), BF16))
        }
      }
    }
  })

  it('lerp: a chunk with a NaN is redone in float64, keeping the other values and NaN', () => {
    const scratch = createLerpScratch(8)
    const t = Uint16Array.from([0x3f80, 0x7fc1, 0x4000, 0xc040, 0x3f00])
    const s = Uint16Array.from([0x4000, 0x3f80, 0x4040, 0xc000, 0x3f00])
    const out = new Uint16Array(5)
    const finite = lerpChunk({targetDtype: 'BF16', target: new Uint8Array(t.buffer), sourceDtype: 'BF16', source: new Uint8Array(s.buffer)}, 5, 0.5, 'BF16', new Uint8Array(out.buffer), scratch)
    expect(finite).toBe(false)
    // 1 + 0.5·(2 − 1) = 1.5; 2.5; −3 + 0.5·(−2 + 3) = −2.5; 0.5
    expect([out[0], out[2], out[3], out[4]]).toEqual([0x3fc0, 0x4020, 0xc020, 0x3f00])
    expect(Number.isNaN(valueOf(out[1], BF16))).toBe(true)
  })

  it('LoRA update: bf16 w + scale·d (d float32) rounded once, every length, near-ties, non-finite flagged', () => {
    const kernels = createKernels(64)
    for (let count = 1; count <= 23; count++) {
      for (const scale of [2, 0.5, 1 / 3, 1.7320508075688772]) {
        new Uint16Array(kernels.a.buffer, kernels.a.byteOffset, 32).fill(0x7f80)
        new Float32Array(kernels.b.buffer, kernels.b.byteOffset, 32).fill(Number.NaN)
        const w = Array.from({length: count}, finiteBits)
        // Updates of a weight's own size, and tiny ones that land next to a rounding boundary.
        const d = w.map((bits, i) => Math.fround((i % 2 ? 1e-3 : 2 ** -20) * (random.next() - 0.5) * (1 + Math.abs(valueOf(bits, BF16)))))
        new Uint16Array(kernels.a.buffer, kernels.a.byteOffset, count).set(w)
        new Float32Array(kernels.b.buffer, kernels.b.byteOffset, count).set(d)
        expect(kernels.addScaledBf16(count, scale)).toBe(true)
        const got = new Uint16Array(kernels.out.buffer, kernels.out.byteOffset, count)
        for (let i = 0; i < count; i++) expect(got[i]).toBe(roundExact(valueOf(w[i], BF16) + scale * d[i], BF16))
      }
    }
    new Float32Array(kernels.b.buffer, kernels.b.byteOffset, 1)[0] = Number.POSITIVE_INFINITY
    expect(kernels.addScaledBf16(1, 1)).toBe(false)
  })

  it('finite check: finds an infinity or NaN at any position, ignores what lies after the data', () => {
    const kernels = createKernels(64)
    const bits = new Uint16Array(kernels.a.buffer, kernels.a.byteOffset, 32)
    for (let count = 1; count <= 20; count++) {
      bits.fill(0x7fc0)
      bits.set(Array.from({length: count}, finiteBits))
      expect(kernels.finiteBf16(count)).toBe(true)
      for (const bad of [0x7f80, 0xff80, 0x7fc1, 0xffff]) {
        const at = (count * 7 + bad) % count
        const kept = bits[at]
        bits[at] = bad
        expect(kernels.finiteBf16(count)).toBe(false)
        bits[at] = kept
      }
    }
  })

  it('moments: equal plain float64 sums for lengths that are not multiples of 4', () => {
    const scratch = createLerpScratch(4096)
    const {kernels} = scratch
    for (const count of [1, 2, 3, 5, 4093, 4096]) {
      const s = Array.from({length: count}, finiteBits)
      const t = Array.from({length: count}, finiteBits)
      new Uint16Array(kernels.a.buffer, kernels.a.byteOffset, count).set(s)
      new Uint16Array(kernels.b.buffer, kernels.b.byteOffset, count).set(t)
      const got = pairChunkMomentsBf16(kernels, count, true)
      const sv = s.map((bits) => valueOf(bits, BF16))
      const tv = t.map((bits) => valueOf(bits, BF16))
      for (const [side, values] of [['source', sv], ['target', tv]] as const) {
        const mean = values.reduce((p, x) => p + x, 0) / count
        const m2 = values.reduce((p, x) => p + (x - mean) ** 2, 0)
        const sumAbs = values.reduce((p, x) => p + Math.abs(x), 0)
        const scale = values.reduce((p, x) => Math.max(p, Math.abs(x)), 0)
        expect(got[side].n).toBe(count)
        expect(Math.abs(got[side].mean - mean)).toBeLessThanOrEqual(1e-12 * scale)
        expect(Math.abs(got[side].m2 - m2)).toBeLessThanOrEqual(1e-12 * scale * scale * count)
        expect(Math.abs(got[side].sumAbs - sumAbs)).toBeLessThanOrEqual(1e-12 * sumAbs)
      }
      const dot = sv.reduce((p, x, i) => p + x * tv[i], 0)
      const dotScale = sv.reduce((p, x, i) => p + Math.abs(x * tv[i]), 0)
      expect(Math.abs(got.dot - dot)).toBeLessThanOrEqual(1e-12 * dotScale)
    }
  })

  it("DARE's mask: keep j when lowbias32(lowbias32(j ⊕ k₀) ⊕ k₁) < below, for any start and length", () => {
    // The documented stream, written out with plain integer arithmetic (docs/methods.md).
    const lowbias32 = (x: number): number => {
      x = (x ^ (x >>> 16)) >>> 0
      x = Math.imul(x, 0x7feb352d) >>> 0
      x = (x ^ (x >>> 15)) >>> 0
      x = Math.imul(x, 0x846ca68b) >>> 0
      return (x ^ (x >>> 16)) >>> 0
    }
    const kernels = createKernels(64)
    const keys: [number, number] = [0x9e3779b9, 0x12345678]
    for (const [start, count, below] of [[0, 1, 2 ** 31], [5, 23, 0x4ccccccd], [0xfffffffe, 9, 1], [1000, 64, 0xffffffff]]) {
      kernels.randomMask(count, 2, start, keys, below)
      const got = [...kernels.masks[2].subarray(0, count)]
      const want = Array.from({length: count}, (_, j) => (lowbias32((lowbias32(((start + j) ^ keys[0]) >>> 0) ^ keys[1]) >>> 0) < below ? 1 : 0))
      expect(got).toEqual(want)
    }
    // The kept fraction follows `below`: 0.3 of 2³² keeps about 30 % (σ ≈ 0.6 % over 64 × 100 draws).
    let kept = 0
    for (let start = 0; start < 6400; start += 64) {
      kernels.randomMask(64, 0, start, keys, Math.ceil(0.3 * 2 ** 32))
      kept += kernels.masks[0].subarray(0, 64).reduce((a, b) => a + b, 0)
    }
    expect(Math.abs(kept / 6400 - 0.3)).toBeLessThan(0.025)
  })

  it('band mask: drops above and below the cuts, counts ties at each cut across calls, keeps NaN', () => {
    const kernels = createKernels(16)
    // Keep ranks [2, 6) of these magnitudes (descending 9, 7, 5, 5, 5, 3, 3, 1): rank 2 holds 5 with two
    // values larger (skip none of the 5s), rank 6 holds 3 with five larger (keep 6 − 5 = 1 of the 3s).
    const values = [3, 5, 9, 1, 5, 3, 7, 5, Number.NaN]
    const band = {upper: 5, skipUpper: 0, lower: 3, keepLower: 1}
    const seen = new Float64Array(2)
    // Two calls (chunks) of 4 and 5 values: the counts carry over.
    kernels.magnitudes.set(values.slice(0, 4))
    kernels.bandMask(4, 1, band, seen)
    const first = [...kernels.masks[1].subarray(0, 4)]
    kernels.magnitudes.set(values.slice(4))
    kernels.bandMask(5, 1, band, seen)
    const second = [...kernels.masks[1].subarray(0, 5)]
    // 3 (first 3: kept), 5, 9 (dropped), 1 (dropped) | 5, 3 (second 3: dropped), 7 (dropped), 5, NaN (kept)
    expect([...first, ...second]).toEqual([1, 1, 0, 0, 1, 0, 0, 1, 1])
    expect([...seen]).toEqual([3, 2])
    // A cut inside a run of ties at the top: skip the first of the 5s.
    seen.fill(0)
    kernels.magnitudes.set([5, 5, 5, 2])
    kernels.bandMask(4, 0, {upper: 5, skipUpper: 1, lower: Number.NEGATIVE_INFINITY, keepLower: 0}, seen)
    expect([...kernels.masks[0].subarray(0, 4)]).toEqual([0, 1, 1, 1])
  })

  it('band mask: calls of any length, far from or across where the ties turn, from float64 or bf16 values, as the rule one value at a time', () => {
    const kernels = createKernels(256)
    // Magnitudes of few distinct values (long runs of ties), as |s − t| of bf16 steps.
    const steps = [0, 1, 2, 3, 4, 6, 8]
    const target = Uint16Array.from({length: 5000}, () => 0x3c00 + random.below(64))
    const source = target.map((t) => t + steps[random.below(steps.length)] * (random.below(2) ? 1 : -1))
    const magnitudes = Array.from(target, (t, i) => Math.abs(valueOf(source[i], BF16) - valueOf(t, BF16)))
    const distinct = [...new Set(magnitudes)].sort((a, b) => b - a)
    for (let trial = 0; trial < 12; trial++) {
      const upper = trial % 3 === 0 ? Number.POSITIVE_INFINITY : distinct[random.below(3)]
      const lower = trial % 4 === 1 ? Number.NEGATIVE_INFINITY : distinct[3 + random.below(distinct.length - 3)]
      const band = {
        upper,
        skipUpper: upper === Number.POSITIVE_INFINITY ? 0 : random.below(800),
        lower,
        keepLower: lower === Number.NEGATIVE_INFINITY ? 0 : random.below(800),
      }
      // The rule, one value at a time.
      let dropped = 0
      let kept = 0
      const want = magnitudes.map((m) => {
        let keep = !(m > band.upper || m < band.lower)
        if (m === band.upper && dropped++ < band.skipUpper) keep = false
        if (m === band.lower && kept++ >= band.keepLower) keep = false
        return keep ? 1 : 0
      })
      for (const fromBf16 of [false, true]) {
        const got: number[] = []
        const seen = new Float64Array(2)
        for (let start = 0; start < magnitudes.length; ) {
          const n = Math.min(1 + random.below(256), magnitudes.length - start)
          if (fromBf16) {
            kernels.a.set(new Uint8Array(target.slice(start, start + n).buffer))
            kernels.lanes[0].set(new Uint8Array(source.slice(start, start + n).buffer))
            kernels.padInputs(n, 1)
            kernels.bandMaskBf16(0, n, 0, 2, band, seen)
          } else {
            kernels.magnitudes.set(magnitudes.slice(start, start + n))
            kernels.bandMask(n, 2, band, seen)
          }
          got.push(...kernels.masks[2].subarray(0, n))
          start += n
        }
        expect(got).toEqual(want)
      }
    }
  })

  it('threshold counts: above hi (NaN among them), equal to each end and the values between, per bracket, one bracket a call or the first collected', () => {
    const kernels = createKernels(4096)
    const count = 3001
    // Weights moved a few steps, some far (exponents more than 15 apart: counted in float64), a NaN and an infinity.
    const t = Uint16Array.from({length: count}, () => finiteBits())
    const s = t.map((bits, i) => (i % 97 === 0 ? finiteBits() : i % 11 === 0 ? bits ^ 0x0c00 : (bits + random.below(7) - 3) & 0xffff))
    s[5] = 0x7fc0
    s[6] = 0x7f80
    const magnitudes = Array.from(t, (bits, i) => Math.abs(valueOf(s[i], BF16) - valueOf(bits, BF16)))
    const finite = magnitudes.filter(Number.isFinite).sort((x, y) => y - x)
    // Ends that are values of the data (ties at them) and float32 numbers.
    const brackets = [
      [finite[60], finite[20]],
      [finite[1600], finite[1400]],
    ].map(([lo, hi]) => ({lo: Math.fround(lo), hi: Math.fround(hi)}))
    const expected = brackets.map(({lo, hi}) => ({
      counts: [magnitudes.filter((m) => !(m <= hi)).length, magnitudes.filter((m) => m === hi).length, magnitudes.filter((m) => m === lo).length],
      between: magnitudes.filter((m) => m > lo && m < hi),
    }))
    new Uint16Array(kernels.a.buffer, kernels.a.byteOffset, count).set(t)
    new Uint16Array(kernels.lanes[0].buffer, kernels.lanes[0].byteOffset, count).set(s)
    for (const collectFirst of [false, true]) {
      const counted = brackets.map((b) => ({...b, counts: new Float64Array(3)}))
      const between = kernels.bracketBf16(count, counted, collectFirst).map((values) => Array.from(values))
      expect(counted.map((b, k) => ({counts: Array.from(b.counts), between: between[k]}))).toEqual(expected)
    }
    expect(expected[0].counts[0]).toBeGreaterThan(2)
  })

  it("Model Stock's dot products: Σ(a − t)², Σ(b − t)², Σ(a − t)(b − t) added one value after another, one chunk a call or two side by side", () => {
    const count = 1000
    const kernels = createKernels(count)
    // Sequential float64 sums, as the float64 path adds them: every last bit must agree.
    const sums = (t: number[], a: number[], b: number[]) => {
      let [aa, bb, ab] = [0, 0, 0]
      for (let i = 0; i < t.length; i++) {
        const [da, db] = [valueOf(a[i], BF16) - valueOf(t[i], BF16), valueOf(b[i], BF16) - valueOf(t[i], BF16)]
        aa += da * da
        bb += db * db
        ab += da * db
      }
      return [aa, bb, ab]
    }
    const chunk = () => {
      const t = Array.from({length: count}, finiteBits)
      const moved = () => t.map((bits) => (random.below(4) === 0 ? finiteBits() : (bits + random.below(9) - 4) & 0xffff))
      return {t, a: moved(), b: moved()}
    }
    const [first, second] = [chunk(), chunk()]
    const put = (view: Uint8Array, bits: number[]) => new Uint16Array(view.buffer, view.byteOffset, count).set(bits)
    put(kernels.a, first.t)
    put(kernels.lanes[0], first.a)
    put(kernels.lanes[1], first.b)
    put(kernels.a2, second.t)
    put(kernels.lanes[2], second.a)
    put(kernels.lanes[3], second.b)
    const [one, two] = [sums(first.t, first.a, first.b), sums(second.t, second.a, second.b)]
    expect(Array.from(kernels.deltaDotsPairBf16(count, 0, 1, 2, 3))).toEqual([one[0], two[0], one[1], two[1], one[2], two[2]])
    expect(Array.from(kernels.deltaDotsBf16(count - 3, 0, 1))).toEqual(sums(first.t.slice(0, -3), first.a.slice(0, -3), first.b.slice(0, -3)))
    // The data tells orders of addition apart: two halves summed apart and then added give other sums.
    const h = count / 2
    const halves = sums(first.t.slice(0, h), first.a.slice(0, h), first.b.slice(0, h)).map((x, k) => x + sums(first.t.slice(h), first.a.slice(h), first.b.slice(h))[k])
    expect(halves).not.toEqual(one)
  })
})
