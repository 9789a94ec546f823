import {float32AtLeast, float32AtMost} from '../float-codecs'
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

/** Most sources the many-model kernels take at once (a lane each); a merge of more goes the float64 way. */
export const MAX_KERNEL_SOURCES = 8

/**
 * Values per call of the many-model kernels: their float64 sums and masks for this many values stay in
 * the core's cache between the calls that make one block (a whole chunk's would not).
 */
export const KERNEL_BLOCK = 4096

/** Digits of a radix-selection histogram (its first pass counts the top 20 bits below the sign). */
export const HISTOGRAM_DIGITS = 1 << 20

/** How many values a histogram pass keeps for the digits it is told to keep. */
export const KEPT_VALUES = 1 << 20

/** A band of magnitudes kept: see `Kernels.bandMask`. */
export interface Band {
  upper: number
  skipUpper: number
  lower: number
  keepLower: number
}

const bits = new Float64Array(1)
const bitsInt = new BigInt64Array(bits.buffer)
const bitsWords = new Uint32Array(bits.buffer)

/** The largest float64 below x (x > −∞, not NaN). */
function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE
  bits[0] = x
  bitsInt[0] += x > 0 ? -1n : 1n
  return bits[0]
}

/** The smallest float64 above x (x < +∞, not NaN). */
function nextUp(x: number): number {
  return -nextDown(-x)
}

/** Whether 1/x is exact (x = ±2ᵏ, its reciprocal a normal number): then y/x and y·(1/x) are the same quotient rounded once. */
function powerOfTwo(x: number): boolean {
  bits[0] = x
  // Little-endian words: the high one holds the sign, the exponent and the top 20 fraction bits.
  const [low, high] = bitsWords
  return low === 0 && (high & 0xfffff) === 0 && Math.abs(((high >>> 20) & 0x7ff) - 1023) <= 1022
}

/** Options of the task-vector kernel: see task-vector.ts. */
export interface TaskVectorKernelOptions {
  sources: number
  /** wᵢ, and the divisor of each kept Δᵢ (DARE's rescale; 1 otherwise). */
  weights: ArrayLike<number>
  divisors: ArrayLike<number>
  lambda: number
  /** What the plain sum is divided by (without consensus). */
  divisor: number
  consensus: boolean
  normalize: boolean
  /**
   * Per source: thinned by its mask (null or absent), or by a band of |Δ| cut in the kernel, for a
   * block where `alikeCuts` gave the cuts; with `count`, the ties met at each cut are added to `seen`
   * (by the one-source kernel only until both cuts' turns have passed: after that they are not needed).
   */
  bands?: Array<{band: Band; cuts: Cuts; seen: Float64Array; count: boolean} | null>
  /** Every entry of every source kept: no mask is read. */
  everyEntryKept?: boolean
}

/** A band's cuts as plain comparisons: values above `dropAbove` or below `dropBelow` are dropped. */
export interface Cuts {
  dropAbove: number
  dropBelow: number
}

/**
 * The band's cuts as plain comparisons for the next values, when those cannot straddle the place
 * where ties at a cut turn from dropped to kept (upper) or kept to dropped (lower), so that a tie at
 * each cut is treated alike throughout; null when they can. `ties`: how many ties at each cut the
 * values hold, or at most (their count).
 */
export function alikeCuts(band: Band, seen: Float64Array, ties: readonly [number, number]): Cuts | null {
  const [seenUpper, seenLower] = seen
  const upperAlike = seenUpper >= band.skipUpper || seenUpper + ties[0] <= band.skipUpper
  const lowerAlike = seenLower >= band.keepLower || seenLower + ties[1] <= band.keepLower
  if (!upperAlike || !lowerAlike) return null
  // Ties kept at the upper cut once skipUpper were dropped; kept at the lower one until keepLower were.
  return {
    dropAbove: seenUpper >= band.skipUpper ? band.upper : nextDown(band.upper),
    dropBelow: seenLower < band.keepLower ? band.lower : nextUp(band.lower),
  }
}

/**
 * The WebAssembly SIMD kernels of one thread and their memory: three regions of `capacity`·8 bytes
 * (two inputs and an output: the worker reads file chunks straight into them), a few result slots,
 * and for the many-model methods a bf16 lane and a keep mask per source and a selection histogram.
 */
export interface Kernels {
  a: Uint8Array
  /** Room for a second chunk of bf16 targets (the back half of region `a`), for `deltaDotsPairBf16`. */
  a2: Uint8Array
  b: Uint8Array
  out: Uint8Array
  /** Region `b` as float64 values: the magnitudes a rank selection counts. */
  magnitudes: Float64Array
  /** A chunk of source i's raw values (bf16 for the kernels), i < MAX_KERNEL_SOURCES. */
  lanes: Uint8Array[]
  /** Source i's keep mask: one byte (0 or 1) per value. */
  masks: Uint8Array[]
  /** Counts and "holds more than one value" flags by digit, for `histogramF64`. */
  histogram: Uint32Array
  histogramFlags: Uint8Array
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
  /** Zeros after `count` bf16 values of region `a` and the first `sources` lanes, up to a multiple of 8. */
  padInputs(count: number, sources: number): void
  /** magnitudes[0..count) = |lane − a| in float64, for the bf16 values from `from` of source lane `lane` and target region `a`. */
  absDeltaBf16(from: number, count: number, lane: number): void
  /**
   * One radix-selection pass over the first `count` magnitudes: those whose bits above `low + width`
   * equal `prefix` add to `histogram` by bits [low, low + width), and flag their digit when they have a
   * bit set below `low`. `prefix` is a bigint (bits of a float64 pattern). Values whose digit is in
   * `keep` are also kept, up to KEPT_VALUES of them.
   */
  histogramF64(count: number, low: number, width: number, prefix: bigint, keep?: {from: number; to: number}): void
  /** The values `histogramF64` kept (a view; valid until the next call), and how many it met (more than kept: they did not fit). */
  keptValues(): {values: Float64Array; met: number}
  /** Forgets the kept values. */
  clearKept(): void
  /** Moves the magnitudes whose bits above `low` equal `prefix` to the front, in order; returns how many. */
  collectF64(count: number, low: number, prefix: bigint): number
  /**
   * Mask `mask` of a magnitude band over the first `count` magnitudes: values above `upper` and the
   * first `skipUpper` equal to it are dropped, and values below `lower` and those equal to it after
   * the first `keepLower`. `seen` holds how many equal to each were met before (updated).
   */
  bandMask(count: number, mask: number, band: Band, seen: Float64Array): void
  /** How many of |lane − a| for the bf16 values from `from` of source lane `lane` and target region `a` (inputs padded) equal the band's cuts. */
  tieCountsBf16(from: number, count: number, lane: number, band: Band): [number, number]
  /** `bandMask` of |lane − a| for the bf16 values from `from` of source lane `lane` and target region `a` (inputs padded). */
  bandMaskBf16(from: number, count: number, lane: number, mask: number, band: Band, seen: Float64Array): void
  /**
   * One pass of a threshold search over |lane 0 − a| for the first `count` bf16 values, for one or
   * two brackets whose ends are float32 numbers (see `bracket_bf16` in kernels.wat): adds to each
   * bracket's `counts` how many are above `hi` (or NaN), equal to `hi` and equal to `lo`, and returns
   * for each the values strictly between, in order (views of the kernels' memory: valid until the next call).
   * With `collectFirst`, two brackets take one reading: the first, which should hold few values at least
   * its `lo` (a cut near the top), is settled from those, collected while the second is counted; its
   * `lo` must be at least the second's `hi` (no value between the second's ends is collected).
   */
  bracketBf16(count: number, brackets: ReadonlyArray<{lo: number; hi: number; counts: Float64Array}>, collectFirst?: boolean): Float64Array[]
  /** DARE's mask `mask` for tensor indices start … start + count − 1: see `random_mask` in kernels.wat. */
  randomMask(count: number, mask: number, start: number, keys: readonly [number, number], below: number): void
  /**
   * The task-vector merge of the `count` (≤ KERNEL_BLOCK) values from `from`: bf16 target in region
   * `a`, sources in the lanes (inputs padded), their masks from each mask's start, bf16 into region
   * `out`. Returns false, leaving that part of `out` unspecified, when a result is not finite.
   */
  taskVectorBf16(from: number, count: number, options: TaskVectorKernelOptions): boolean
  /** Adds Σt², Σs², Σs·t over `count` bf16 targets in region `a` and sources in `b` to `sums`, one value after another. */
  slerpSumsBf16(count: number, sums: Float64Array): void
  /** out = bf16(a·t + b·s) for bf16 targets in region `a` and sources in `b`; false when a result is not finite. */
  mixBf16(count: number, a: number, b: number): boolean
  /** [Σ(laneA − t)², Σ(laneB − t)², Σ(laneA − t)(laneB − t)] over `count` values, target in region `a`, each sum from 0. */
  deltaDotsBf16(count: number, laneA: number, laneB: number): Float64Array
  /**
   * `deltaDotsBf16` of two chunks of `count` values (a multiple of 4) at once, each summed as there:
   * the first's target in region `a` and sources in lanes laneA and laneB, the second's target in
   * `a2` and sources in lanes laneA2 and laneB2. [aa, aa₂, bb, bb₂, ab, ab₂], a view valid until the next call.
   */
  deltaDotsPairBf16(count: number, laneA: number, laneB: number, laneA2: number, laneB2: number): Float64Array
  /** out = bf16(t + ratio·mean(laneₖ − t)) over the first `sources` lanes, for the first `count` values (inputs padded); false when a result is not finite. */
  modelStockBf16(count: number, sources: number, ratio: number): boolean
}

interface Exports {
  lerp_bf16(t: number, s: number, o: number, n: number, alpha: number): number
  add_scaled_bf16(w: number, d: number, o: number, n: number, scale: number): number
  any_nonfinite_bf16(p: number, n: number): number
  moments_bf16(s: number, t: number, n: number, shiftS: number, shiftT: number, res: number): void
  abs_delta_bf16(t: number, s: number, m: number, n: number): void
  histogram_f64(m: number, n: number, low: number, width: number, prefixHi: number, prefixLo: number, hist: number, flags: number, keepFrom: number, keepTo: number, kept: number, keepCap: number, keptCount: number): void
  collect_f64(m: number, n: number, low: number, prefixHi: number, prefixLo: number): number
  bracket_bf16(t: number, s: number, n: number, lo: number, hi: number, counts: number, cand: number, collect: number, least: number): number
  split_f64(m: number, n: number, least: number, out: number): number
  bracket_values_f64(m: number, n: number, lo: number, hi: number, counts: number): number
  tie_counts_bf16(t: number, s: number, n: number, upper: number, lower: number, res: number): void
  band_mask(m: number, t: number, s: number, fromBf16: number, mask: number, n: number, upper: number, skipUpper: number, lower: number, keepLower: number, seen: number, fast: number, dropAbove: number, dropBelow: number): void
  random_mask(mask: number, n: number, start: number, k0: number, k1: number, below: number): void
  task_vector_bf16(t: number, o: number, n: number, sources: number, params: number, scratch: number, lambda: number, divisor: number, base: number, consensus: number, normalize: number, exactDivisor: number): void
  round_bf16(x: number, o: number, n: number): number
  band1_bf16(t: number, s: number, o: number, n: number, above: number, below: number, w: number, c: number, q: number, lambda: number): void
  select1_bf16(t: number, s: number, o: number, n: number, above: number, below: number): number
  task_vector1_bf16(t: number, o: number, n: number, params: number, lambda: number, divisor: number, consensus: number, normalize: number, exactW: number, exactDivisor: number, unitW: number, unitLambda: number, countTies: number): void
  slerp_sums_bf16(t: number, s: number, n: number, res: number): void
  mix_bf16(t: number, s: number, o: number, n: number, a: number, b: number): number
  delta_dots_bf16(t: number, a: number, b: number, n: number, res: number): void
  model_stock_bf16(t: number, s: number, stride: number, o: number, n: number, sources: number, ratio: number, exactDivisor: number): void
  delta_dots2_bf16(t: number, a: number, b: number, t2: number, a2: number, b2: number, n: number, res: number): void
}

const RESULT_SLOTS = 8

/** Zeros after the data, up to where a kernel reads: finite, so padding never flags a chunk as non-finite. */
function pad(view: Uint8Array, from: number, to: number): void {
  view.fill(0, from, to)
}
/** Bytes of the task-vector kernel's description of one source (see task_vector_bf16 in kernels.wat). */
const PARAM_BYTES = 128

export function createKernels(capacity: number): Kernels {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'))
  // Room for 7 more bf16 elements after a region's last one: kernels pad their inputs to a multiple of 4 or 8.
  const region = capacity * 8 + 16
  const laneBytes = capacity * 2 + 16
  const maskBytes = capacity + 16
  const layout = {
    results: 3 * region,
    histogram: 3 * region + 8 * RESULT_SLOTS,
    flags: 3 * region + 8 * RESULT_SLOTS + 4 * HISTOGRAM_DIGITS,
    lanes: 3 * region + 8 * RESULT_SLOTS + 5 * HISTOGRAM_DIGITS,
    masks: 3 * region + 8 * RESULT_SLOTS + 5 * HISTOGRAM_DIGITS + MAX_KERNEL_SOURCES * laneBytes,
    // The task-vector kernel's description of each source (PARAM_BYTES), its terms of four values (32
    // bytes) and the float64 results of a block, which round_bf16 rounds.
    terms: 16 * Math.ceil((3 * region + 8 * RESULT_SLOTS + 5 * HISTOGRAM_DIGITS + MAX_KERNEL_SOURCES * (laneBytes + maskBytes)) / 16),
  }
  const params = layout.terms
  const scratch = layout.terms + PARAM_BYTES * MAX_KERNEL_SOURCES
  const rounding = scratch + 32 * MAX_KERNEL_SOURCES
  // The counts of a bracket pass (8 float64).
  const work = rounding + 8 * KERNEL_BLOCK
  const keptAt = work + 64
  const size = keptAt + 8 * KEPT_VALUES
  const memory = new WebAssembly.Memory({initial: Math.ceil(size / 65536)})
  const wasm = new WebAssembly.Instance(compiled, {env: {memory}}).exports as Exports
  const buffer = memory.buffer
  const a = new Uint8Array(buffer, 0, region)
  const b = new Uint8Array(buffer, region, region)
  const out = new Uint8Array(buffer, 2 * region, region)
  const results = new Float64Array(buffer, layout.results, RESULT_SLOTS)
  const magnitudes = new Float64Array(buffer, region, capacity + 2)
  const lanes = Array.from({length: MAX_KERNEL_SOURCES}, (_, i) => new Uint8Array(buffer, layout.lanes + i * laneBytes, laneBytes))
  const masks = Array.from({length: MAX_KERNEL_SOURCES}, (_, i) => new Uint8Array(buffer, layout.masks + i * maskBytes, maskBytes))
  const split = (prefix: bigint): [number, number] => [Number(prefix >> 32n), Number(prefix & 0xffffffffn)]
  const thresholds = thresholdCalls(wasm, buffer, {a, b, out, lanes, masks, magnitudes, results, work})
  const taskVector = taskVectorCalls(wasm, buffer, {params, scratch, rounding, a, out, lanes, masks})
  const a2 = new Uint8Array(buffer, 4 * capacity, 2 * capacity + 16)
  return {
    a,
    a2,
    b,
    out,
    magnitudes,
    lanes,
    masks,
    histogram: new Uint32Array(buffer, layout.histogram, HISTOGRAM_DIGITS),
    histogramFlags: new Uint8Array(buffer, layout.flags, HISTOGRAM_DIGITS),
    lerpBf16(count, alpha) {
      const padded = (count + 3) & ~3
      pad(a, 2 * count, 2 * padded)
      pad(b, 2 * count, 2 * padded)
      return wasm.lerp_bf16(a.byteOffset, b.byteOffset, out.byteOffset, padded, alpha) === 0
    },
    addScaledBf16(count, scale) {
      const padded = (count + 3) & ~3
      pad(a, 2 * count, 2 * padded)
      pad(b, 4 * count, 4 * padded)
      return wasm.add_scaled_bf16(a.byteOffset, b.byteOffset, out.byteOffset, padded, scale) === 0
    },
    finiteBf16(count) {
      const padded = (count + 7) & ~7
      pad(a, 2 * count, 2 * padded)
      return wasm.any_nonfinite_bf16(a.byteOffset, padded) === 0
    },
    momentsBf16(count, shiftS, shiftT) {
      wasm.moments_bf16(a.byteOffset, b.byteOffset, count & ~3, shiftS, shiftT, results.byteOffset)
      return results
    },
    padInputs(count, sources) {
      const padded = (count + 7) & ~7
      pad(a, 2 * count, 2 * padded)
      for (let k = 0; k < sources; k++) pad(lanes[k], 2 * count, 2 * padded)
    },
    absDeltaBf16(from, count, lane) {
      const padded = (count + 3) & ~3
      if (from === 0) {
        pad(a, 2 * count, 2 * padded)
        pad(lanes[lane], 2 * count, 2 * padded)
      }
      wasm.abs_delta_bf16(a.byteOffset + 2 * from, lanes[lane].byteOffset + 2 * from, b.byteOffset, padded)
    },
    histogramF64(count, low, width, prefix, keep) {
      // The kept count lives in the last result slot.
      const keptCount = results.byteOffset + 8 * (RESULT_SLOTS - 1)
      wasm.histogram_f64(b.byteOffset, count, low, width, ...split(prefix), layout.histogram, layout.flags, keep ? keep.from : 1, keep ? keep.to : 0, keptAt, KEPT_VALUES, keptCount)
    },
    keptValues() {
      const met = new Int32Array(buffer, results.byteOffset + 8 * (RESULT_SLOTS - 1), 1)[0]
      return {values: new Float64Array(buffer, keptAt, Math.min(met, KEPT_VALUES)), met}
    },
    clearKept() {
      new Int32Array(buffer, results.byteOffset + 8 * (RESULT_SLOTS - 1), 1)[0] = 0
    },
    collectF64(count, low, prefix) {
      return wasm.collect_f64(b.byteOffset, count, low, ...split(prefix))
    },
    bandMask: thresholds.bandMask,
    bandMaskBf16: thresholds.bandMaskBf16,
    tieCountsBf16: thresholds.tieCountsBf16,
    bracketBf16: thresholds.bracketBf16,
    randomMask(count, mask, start, keys, below) {
      wasm.random_mask(masks[mask].byteOffset, (count + 3) & ~3, start, keys[0], keys[1], below)
    },
    taskVectorBf16: taskVector.taskVectorBf16,
    slerpSumsBf16(count, sums) {
      results.set(sums)
      wasm.slerp_sums_bf16(a.byteOffset, b.byteOffset, count, results.byteOffset)
      sums.set(results.subarray(0, 3))
    },
    mixBf16(count, ca, cb) {
      const padded = (count + 3) & ~3
      pad(a, 2 * count, 2 * padded)
      pad(b, 2 * count, 2 * padded)
      return wasm.mix_bf16(a.byteOffset, b.byteOffset, out.byteOffset, padded, ca, cb) === 0
    },
    deltaDotsBf16(count, laneA, laneB) {
      wasm.delta_dots_bf16(a.byteOffset, lanes[laneA].byteOffset, lanes[laneB].byteOffset, count, results.byteOffset)
      return results.subarray(0, 3)
    },
    deltaDotsPairBf16(count, laneA, laneB, laneA2, laneB2) {
      wasm.delta_dots2_bf16(a.byteOffset, lanes[laneA].byteOffset, lanes[laneB].byteOffset, a2.byteOffset, lanes[laneA2].byteOffset, lanes[laneB2].byteOffset, count, results.byteOffset)
      return results.subarray(0, 6)
    },
    modelStockBf16(count, sources, ratio) {
      const padded = (count + 3) & ~3
      const exactDivisor = powerOfTwo(sources) ? 1 : 0
      let special = 0
      for (let from = 0; from < padded; from += KERNEL_BLOCK) {
        const n = Math.min(KERNEL_BLOCK, padded - from)
        wasm.model_stock_bf16(a.byteOffset + 2 * from, lanes[0].byteOffset + 2 * from, laneBytes, rounding, n, sources, ratio, exactDivisor)
        special |= wasm.round_bf16(rounding, out.byteOffset + 2 * from, n)
      }
      return special === 0
    },
  }
}

/** Where the task-vector kernels find their inputs and room in the kernels' memory. */
interface TaskVectorMemory {
  /** Each source's description (PARAM_BYTES), its terms of four values (32 bytes), a block's float64 results. */
  params: number
  scratch: number
  rounding: number
  a: Uint8Array
  out: Uint8Array
  lanes: Uint8Array[]
  masks: Uint8Array[]
}

/** The task-vector calls: each source described for the kernel, the kernel, then rounding. */
function taskVectorCalls(wasm: Exports, buffer: ArrayBuffer, m: TaskVectorMemory): Pick<Kernels, 'taskVectorBf16'> {
  const p = new DataView(buffer, m.params, PARAM_BYTES * MAX_KERNEL_SOURCES)
  /** Source k for the kernel: its values from `from`, mask (or every entry kept), weight, divisor and band. */
  const describe = (k: number, from: number, mask: number | 'all', w: number, divisor: number, band?: {band: Band; cuts: Cuts} | null) => {
    const at = PARAM_BYTES * k
    p.setUint32(at, m.lanes[k].byteOffset + 2 * from, true)
    p.setUint32(at + 4, mask === 'all' ? 0 : m.masks[mask].byteOffset, true)
    p.setFloat64(at + 8, w, true)
    p.setFloat64(at + 16, divisor, true)
    p.setUint32(at + 24, band ? 1 : mask === 'all' ? 2 : 0, true)
    p.setUint32(at + 28, powerOfTwo(divisor) && divisor !== 1 ? 1 : 0, true)
    p.setFloat64(at + 96, 1 / divisor, true)
    if (!band) return
    p.setFloat64(at + 32, band.cuts.dropAbove, true)
    p.setFloat64(at + 40, band.cuts.dropBelow, true)
    p.setFloat64(at + 48, band.band.upper, true)
    p.setFloat64(at + 56, band.band.lower, true)
    for (let b = 64; b < 96; b += 4) p.setUint32(at + b, 0, true)
  }
  return {
    taskVectorBf16(from, count, o) {
      const padded = (count + 3) & ~3
      const [t, consensus, normalize] = [m.a.byteOffset + 2 * from, o.consensus ? 1 : 0, o.normalize ? 1 : 0]
      const out = m.out.byteOffset + 2 * from
      const w = o.weights[0]
      const band = o.sources === 1 ? o.bands?.[0] : null
      const counting = band && band.count && (band.seen[0] < band.band.skipUpper || band.seen[1] < band.band.keepLower) ? 1 : 0
      if (band && !counting && o.divisors[0] === 1 && w >= 2 ** -400 && w <= 2 ** 400) {
        // No source description and no ties to count: task_vector1_bf16's last steps as factors. With
        // consensus, normalised by × 1/w (exact) or ÷ w; without, the sum ÷ the divisor, or × its
        // reciprocal when exact.
        const q = o.consensus ? (o.normalize ? w : 1) : o.divisor
        const [c, divideBy] = powerOfTwo(q) ? [1 / q, 1] : [1, q]
        const below = o.consensus ? Math.max(band.cuts.dropBelow, Number.MIN_VALUE) : band.cuts.dropBelow
        const s = m.lanes[0].byteOffset + 2 * from
        if (w === 1 && q === 1 && o.lambda === 1 && wasm.select1_bf16(t, s, out, (count + 7) & ~7, float32AtMost(band.cuts.dropAbove), float32AtLeast(below)) === 0) return true
        wasm.band1_bf16(t, s, m.rounding, padded, band.cuts.dropAbove, below, w, c, divideBy, o.lambda)
        return wasm.round_bf16(m.rounding, out, padded) === 0
      }
      for (let k = 0; k < o.sources; k++) describe(k, from, o.everyEntryKept ? 'all' : k, o.weights[k], o.divisors[k], o.bands?.[k])
      if (o.sources === 1) {
        wasm.task_vector1_bf16(t, m.rounding, padded, m.params, o.lambda, o.divisor, consensus, normalize, powerOfTwo(w) ? 1 : 0, powerOfTwo(o.divisor) ? 1 : 0, w === 1 ? 1 : 0, o.lambda === 1 ? 1 : 0, counting)
      } else {
        // Without consensus the sum starts at −0, so that −0 + d₀ is d₀ exactly (mixed = d₀ + d₁ + …);
        // the election's total starts at 0 (total = 0; total += dᵢ).
        const base = o.consensus ? 0 : -0
        wasm.task_vector_bf16(t, m.rounding, padded, o.sources, m.params, m.scratch, o.lambda, o.divisor, base, consensus, normalize, powerOfTwo(o.divisor) ? 1 : 0)
      }
      const finite = wasm.round_bf16(m.rounding, out, padded) === 0
      o.bands?.forEach((band, k) => {
        if (!band?.count) return
        // Two int64 lanes of counts per cut (each below 2³²: a block is short).
        band.seen[0] += p.getUint32(PARAM_BYTES * k + 64, true) + p.getUint32(PARAM_BYTES * k + 72, true)
        band.seen[1] += p.getUint32(PARAM_BYTES * k + 80, true) + p.getUint32(PARAM_BYTES * k + 88, true)
      })
      return finite
    },
  }
}

/** Where the band and threshold kernels find their inputs and room in the kernels' memory. */
interface ThresholdMemory {
  a: Uint8Array
  b: Uint8Array
  out: Uint8Array
  lanes: Uint8Array[]
  masks: Uint8Array[]
  magnitudes: Float64Array
  results: Float64Array
  /** Room for 8 float64 counts. */
  work: number
}

/** The calls that cut bands of |Δ| and count towards their thresholds. */
function thresholdCalls(wasm: Exports, buffer: ArrayBuffer, m: ThresholdMemory): Pick<Kernels, 'bandMask' | 'bandMaskBf16' | 'tieCountsBf16' | 'bracketBf16'> {
  const {a, b, out, lanes, masks, results} = m
  /** `band_mask` over `count` values: the fast way when `alikeCuts` gives the cuts. */
  const bandMask = (t: number, s: number, mask: number, count: number, band: Band, seen: Float64Array, fromBf16 = false) => {
    const cuts = alikeCuts(band, seen, [count, count])
    results.set(seen)
    wasm.band_mask(b.byteOffset, t, s, fromBf16 ? 1 : 0, mask, count, band.upper, band.skipUpper, band.lower, band.keepLower, results.byteOffset, cuts ? 1 : 0, cuts?.dropAbove ?? 0, cuts?.dropBelow ?? 0)
    seen.set(results.subarray(0, 2))
  }
  return {
    bandMask(count, mask, band, seen) {
      // An even count for the kernel: NaN after an odd one equals no cut, so it counts no tie.
      m.magnitudes[count] = Number.NaN
      bandMask(b.byteOffset, 0, masks[mask].byteOffset, (count + 1) & ~1, band, seen)
    },
    bandMaskBf16(from, count, lane, mask, band, seen) {
      bandMask(a.byteOffset + 2 * from, lanes[lane].byteOffset + 2 * from, masks[mask].byteOffset, (count + 1) & ~1, band, seen, true)
    },
    tieCountsBf16(from, count, lane, band) {
      // An even count for the kernel: the padding after an odd one can only add a tie, which makes a
      // cut look nearer, never farther.
      wasm.tie_counts_bf16(a.byteOffset + 2 * from, lanes[lane].byteOffset + 2 * from, (count + 1) & ~1, band.upper, band.lower, results.byteOffset)
      return [results[0], results[1]]
    },
    bracketBf16(count, brackets, collectFirst = false) {
      // A multiple of 8 for the kernel: after the data, 0 − 0 (taken back below from the ties at a cut of 0).
      const padded = (count + 7) & ~7
      pad(a, 2 * count, 2 * padded)
      pad(lanes[0], 2 * count, 2 * padded)
      const sums = new Float64Array(buffer, m.work, 4)
      const padding = padded - count
      /** One kernel call counting `bracket`, its values between written at `room`; with `least`, the values from there too. */
      const count1 = (bracket: {lo: number; hi: number; counts: Float64Array}, room: Uint8Array, least?: number): Float64Array => {
        sums.fill(0)
        const found = wasm.bracket_bf16(a.byteOffset, lanes[0].byteOffset, padded, bracket.lo, bracket.hi, m.work, room.byteOffset, least === undefined ? 0 : 1, least ?? 0)
        const [atMost, equalHi, equalLo] = sums
        bracket.counts[0] += padded - atMost
        bracket.counts[1] += equalHi - (bracket.hi === 0 ? padding : 0)
        bracket.counts[2] += equalLo - (bracket.lo === 0 ? padding : 0)
        return new Float64Array(buffer, room.byteOffset, found)
      }
      if (!collectFirst || brackets.length !== 2) {
        // A call per bracket (the second reads the chunk again from the cache), each with its own room.
        return brackets.map((bracket, k) => count1(bracket, k === 0 ? b : out))
      }
      const [first, second] = brackets
      const found = count1(second, b, first.lo)
      // The values from the first's lo (none of them between the second's ends) apart, in order; the
      // padding comes last, collected when the first bracket reaches down to 0.
      const collected = wasm.split_f64(b.byteOffset, found.length, first.lo, out.byteOffset)
      const between = found.subarray(0, found.length - collected)
      const kept = collected - (first.lo === 0 ? padding : 0)
      sums.fill(0)
      const inside = wasm.bracket_values_f64(out.byteOffset, kept, first.lo, first.hi, m.work)
      const [atMost, equalHi, equalLo] = sums
      first.counts[0] += kept - atMost
      first.counts[1] += equalHi
      first.counts[2] += equalLo
      return [new Float64Array(buffer, out.byteOffset, inside), between]
    },
  }
}
