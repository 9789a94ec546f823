const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)

/** The value at a descending rank of a stream, and how many values are strictly larger. */
export interface RankValue {
  value: number
  greater: number
}

/**
 * Finds the value at descending rank `rank` (0 = the largest) of `count` non-negative float64
 * numbers that are streamed to it pass after pass (the magnitudes of a task vector), without
 * holding them: a radix selection over the numbers' bit patterns (which order like the numbers),
 * 16 bits a pass, until the candidates fit in `collectLimit` values; those are collected and sorted.
 * A caller streams the same numbers in the same order for every pass until `done`.
 */
export class RankSelector {
  done = false
  result: RankValue = {value: Number.NaN, greater: 0}
  /** Digits fixed so far (0–4) and their bits, as the high and low 32-bit words. */
  private level = 0
  private prefixHi = 0
  private prefixLo = 0
  private remaining: number
  private greater = 0
  private collecting: Float64Array | null = null
  private collected = 0
  private readonly histogram = new Float64Array(65536)

  constructor(
    count: number,
    rank: number,
    private readonly collectLimit: number,
  ) {
    if (!(rank >= 0 && rank < count)) throw new Error(`rank ${rank} outside 0..${count - 1}`)
    this.remaining = rank
    if (count <= collectLimit) this.collecting = new Float64Array(count)
  }

  /** One chunk of the stream: `values[0..n)`, all ≥ 0. */
  visit(values: Float64Array, n: number): void {
    const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n)
    const {level, prefixHi, prefixLo} = this
    const collect = this.collecting
    if (collect) {
      let k = this.collected
      for (let i = 0; i < n; i++) if (this.matches(words[2 * i + 1], words[2 * i], level, prefixHi, prefixLo)) collect[k++] = values[i]
      this.collected = k
      return
    }
    const histogram = this.histogram
    for (let i = 0; i < n; i++) {
      const hi = words[2 * i + 1]
      const lo = words[2 * i]
      if (!this.matches(hi, lo, level, prefixHi, prefixLo)) continue
      histogram[level === 0 ? hi >>> 16 : level === 1 ? hi & 0xffff : level === 2 ? lo >>> 16 : lo & 0xffff]++
    }
  }

  /** Ends a pass: narrows the candidates to one bucket, or finishes. */
  endPass(): void {
    if (this.collecting) {
      const candidates = this.collecting.subarray(0, this.collected).sort().reverse()
      const value = candidates[this.remaining]
      let larger = 0
      while (candidates[larger] > value) larger++
      this.finish(value, this.greater + larger)
      return
    }
    const histogram = this.histogram
    let above = 0
    let bucket = 65535
    while (above + histogram[bucket] <= this.remaining) above += histogram[bucket--]
    const candidates = histogram[bucket]
    this.greater += above
    this.remaining -= above
    if (this.level === 0) this.prefixHi = (bucket << 16) >>> 0
    else if (this.level === 1) this.prefixHi = (this.prefixHi | bucket) >>> 0
    else if (this.level === 2) this.prefixLo = (bucket << 16) >>> 0
    else this.prefixLo = (this.prefixLo | bucket) >>> 0
    this.level++
    histogram.fill(0)
    if (this.level === 4) {
      // Every candidate left has these 64 bits: they are equal.
      u32[1] = this.prefixHi
      u32[0] = this.prefixLo
      this.finish(f64[0], this.greater)
    } else if (candidates <= this.collectLimit) {
      this.collecting = new Float64Array(candidates)
    }
  }

  private matches(hi: number, lo: number, level: number, prefixHi: number, prefixLo: number): boolean {
    switch (level) {
      case 0:
        return true
      case 1:
        return hi >>> 16 === prefixHi >>> 16
      case 2:
        return hi === prefixHi
      case 3:
        return hi === prefixHi && lo >>> 16 === prefixLo >>> 16
      default:
        return hi === prefixHi && lo === prefixLo
    }
  }

  private finish(value: number, greater: number): void {
    this.result = {value, greater}
    this.done = true
    this.collecting = null
  }
}
