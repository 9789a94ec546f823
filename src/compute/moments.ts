/**
 * Moments of one tensor's values, accumulated in float64. Chunks combine exactly with
 * `combineMoments` (Chan et al.), so the streaming engine can fold a tensor chunk by chunk.
 */
export interface MomentStats {
  /** Number of values. */
  n: number
  /** Arithmetic mean (0 when n = 0). */
  mean: number
  /** Σ (x − mean)², the sum of squared deviations. */
  m2: number
  /** Σ |x|. */
  sumAbs: number
}

/** Moments of zero values. */
export function emptyMoments(): MomentStats {
  return {n: 0, mean: 0, m2: 0, sumAbs: 0}
}

/**
 * Moments of `values` in float64, corrected two-pass: the mean first, then Σ(x − mean)² minus the
 * rounding correction (Σ(x − mean))²/n (Björck), which keeps m2 accurate when |mean| ≫ std.
 */
export function momentsOf(values: ArrayLike<number>): MomentStats {
  const n = values.length
  if (n === 0) return emptyMoments()
  let sum = 0
  let sumAbs = 0
  for (let i = 0; i < n; i++) {
    const x = values[i]
    sum += x
    sumAbs += Math.abs(x)
  }
  const mean = sum / n
  let sq = 0
  let dev = 0
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean
    sq += d * d
    dev += d
  }
  const m2 = Math.max(0, sq - (dev * dev) / n)
  return {n, mean, m2, sumAbs}
}

/** Moments of the union of two disjoint samples (Chan, Golub & LeVeque parallel combination). */
export function combineMoments(a: MomentStats, b: MomentStats): MomentStats {
  if (a.n === 0) return {...b}
  if (b.n === 0) return {...a}
  const n = a.n + b.n
  const delta = b.mean - a.mean
  const mean = a.mean + delta * (b.n / n)
  const m2 = a.m2 + b.m2 + delta * delta * ((a.n * b.n) / n)
  return {n, mean, m2, sumAbs: a.sumAbs + b.sumAbs}
}

/** Unbiased variance m2/(n − 1); 0 when n ≤ 1 (spec §4: a one-element tensor has no unbiased variance). */
export function varianceUnbiased(m: MomentStats): number {
  return m.n <= 1 ? 0 : m.m2 / (m.n - 1)
}

/** sqrt of the unbiased variance (0 when n ≤ 1). */
export function std(m: MomentStats): number {
  return Math.sqrt(varianceUnbiased(m))
}

/** mean |x|; 0 for an empty tensor (neutral: nothing to average). */
export function meanAbs(m: MomentStats): number {
  return m.n === 0 ? 0 : m.sumAbs / m.n
}

/** ‖x‖₂ of the flattened tensor: sqrt(Σx²) = sqrt(m2 + n·mean²). */
export function l2Norm(m: MomentStats): number {
  return Math.sqrt(m.m2 + m.n * m.mean * m.mean)
}
