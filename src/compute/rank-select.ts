import {HISTOGRAM_DIGITS, KEPT_VALUES, type Kernels} from './wasm/kernels'

/** The value at a descending rank of a stream, and how many values are strictly larger. */
export interface RankValue {
  value: number
  greater: number
  /** How many values equal to it each chunk (CHUNK_ELEMENTS values) of the stream holds, where known. */
  ties?: Float64Array
}

/**
 * The digits of a float64 bit pattern a pass counts, from the top (below the sign bit, which is 0 for
 * magnitudes). The first is wide: the difference of two bf16 values has few significant bits, so its
 * top 20 bits (the exponent and 9 fraction bits) usually are the whole value and one pass settles it.
 */
const LEVELS = [
  {low: 43, width: 20},
  {low: 27, width: 16},
  {low: 11, width: 16},
  {low: 0, width: 11},
] as const

const f64 = new Float64Array(1)
const u64 = new BigUint64Array(f64.buffer)

interface RankState {
  rank: number
  /** The level whose digit the next pass counts, or 'collect' once few enough candidates are left. */
  level: number | 'collect'
  /** When collecting: the lowest bit fixed so far (null: collect every value). */
  collectLow: number | null
  /** The bits fixed so far (those above the level's digit). */
  prefix: bigint
  /** Candidates left larger than the wanted one, and how many values are larger than every candidate. */
  remaining: number
  greater: number
  candidates: number
  collected: Float64Array | null
  filled: number
  result: RankValue | null
}

/**
 * Finds the values at several descending ranks (0 = the largest) of `count` non-negative float64
 * numbers that are streamed to it pass after pass through `kernels.magnitudes` (the magnitudes of a
 * task vector), without holding them: a radix selection over their bit patterns (which order like
 * the numbers) in the SIMD kernels' histogram. The first pass counts for every rank at once; a rank
 * left undecided then gets passes of its own, a digit at a time, until its candidates fit in
 * `collectLimit` values, which are collected and sorted. A caller streams the same numbers in the
 * same order every pass until `done`.
 */
export class RankSelector {
  private readonly states: RankState[]
  private first = true
  /** The first pass's guess at the last rank's digit: the values of these digits are kept as they pass. */
  private keep: {from: number; to: number} | null = null

  constructor(
    private readonly kernels: Kernels,
    private readonly count: number,
    ranks: number[],
    private readonly collectLimit: number,
  ) {
    for (const rank of ranks) if (!(rank >= 0 && rank < count)) throw new Error(`rank ${rank} outside 0..${count - 1}`)
    const collect = count <= collectLimit
    this.states = ranks.map((rank) => ({
      rank,
      level: collect ? 'collect' : 0,
      collectLow: null,
      prefix: 0n,
      remaining: rank,
      greater: 0,
      candidates: count,
      collected: null,
      filled: 0,
      result: null,
    }))
  }

  get done(): boolean {
    return this.states.every((s) => s.result !== null)
  }

  /** The results, in the order of the ranks given. */
  get results(): RankValue[] {
    return this.states.map((s) => s.result!)
  }

  /** The rank this pass works for: all of them in the first pass, then one at a time. */
  private get active(): RankState[] {
    return this.first ? this.states : this.states.filter((s) => s.result === null).slice(0, 1)
  }

  /** One chunk of the stream: `kernels.magnitudes[0..n)`, all ≥ 0. */
  visit(n: number): void {
    const active = this.active
    const state = active[0]
    if (state.level === 'collect') {
      // Collecting compacts the chunk in place (the first pass's ranks all collect every value, into one array).
      const found = state.collectLow === null ? n : this.kernels.collectF64(n, state.collectLow, state.prefix)
      state.collected ??= new Float64Array(state.candidates)
      state.collected.set(this.kernels.magnitudes.subarray(0, found), state.filled)
      state.filled += found
      return
    }
    const {low, width} = LEVELS[state.level]
    if (this.first && this.keep === null) this.guess(n)
    this.kernels.histogramF64(n, low, width, state.prefix, this.keep ?? undefined)
  }

  /**
   * From the first chunk's histogram, the digits around where the last rank's value should fall, as
   * many as about half of KEPT_VALUES values hold: when the first pass leaves that rank undecided,
   * its candidates were kept and are sorted at once, saving a pass over the tensor.
   */
  private guess(n: number): void {
    const {histogram, histogramFlags} = this.kernels
    this.kernels.histogramF64(n, LEVELS[0].low, LEVELS[0].width, 0n)
    const state = this.states[this.states.length - 1]
    const scale = this.count / n
    let above = 0
    let digit = HISTOGRAM_DIGITS - 1
    while (digit > 0 && above + histogram[digit] * scale <= state.remaining) above += histogram[digit--] * scale
    let from = digit
    let to = digit
    let held = histogram[digit] * scale
    while (held < KEPT_VALUES / 2 && (from > 0 || to < HISTOGRAM_DIGITS - 1)) {
      if (to < HISTOGRAM_DIGITS - 1) held += histogram[++to] * scale
      if (from > 0) held += histogram[--from] * scale
    }
    this.keep = {from, to}
    histogram.fill(0)
    histogramFlags.fill(0)
    this.kernels.clearKept()
  }

  /** Ends a pass: narrows each active rank's candidates to one digit, or finishes it. */
  endPass(): void {
    const active = this.active
    if (active[0].level === 'collect') {
      const sorted = active[0].collected!.subarray(0, active[0].filled).sort().reverse()
      for (const state of active) {
        const value = sorted[state.remaining]
        let larger = 0
        while (sorted[larger] > value) larger++
        state.result = {value, greater: state.greater + larger}
      }
    } else {
      for (const state of active) this.narrow(state)
      if (this.first) this.fromKept(this.states[this.states.length - 1])
      this.kernels.histogram.fill(0)
      this.kernels.histogramFlags.fill(0)
    }
    this.first = false
  }

  private narrow(state: RankState): void {
    const {histogram, histogramFlags} = this.kernels
    const level = state.level as number
    let above = 0
    let digit = HISTOGRAM_DIGITS - 1
    while (above + histogram[digit] <= state.remaining) above += histogram[digit--]
    state.greater += above
    state.remaining -= above
    state.candidates = histogram[digit]
    state.prefix = (state.prefix << BigInt(LEVELS[level].width)) | BigInt(digit)
    if (histogramFlags[digit] === 0) {
      // No candidate has a bit below this digit: they are one value.
      u64[0] = state.prefix << BigInt(LEVELS[level].low)
      state.result = {value: f64[0], greater: state.greater}
    } else if (state.candidates <= this.collectLimit) {
      state.level = 'collect'
      state.collectLow = LEVELS[level].low
    } else {
      state.level = level + 1
    }
  }

  /** Settles a rank the first pass left undecided from the values kept, when its digit was among them. */
  private fromKept(state: RankState): void {
    if (state.result !== null || this.keep === null) return
    const {values, met} = this.kernels.keptValues()
    if (met > values.length) return
    const digit = Number(state.prefix)
    if (digit < this.keep.from || digit > this.keep.to) return
    // The digit is the top word's bits 30..11.
    const words = new Uint32Array(values.buffer, values.byteOffset, 2 * values.length)
    const candidates: number[] = []
    for (let i = 0; i < values.length; i++) if ((words[2 * i + 1] >>> 11) === digit) candidates.push(values[i])
    const sorted = Float64Array.from(candidates).sort().reverse()
    const value = sorted[state.remaining]
    let larger = 0
    while (sorted[larger] > value) larger++
    state.result = {value, greater: state.greater + larger}
  }
}
