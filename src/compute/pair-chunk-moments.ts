import type {MomentStats} from '../merge/analysis/types'

export interface PairChunkMoments {
  source: MomentStats
  target: MomentStats
  /** Σ source·target, or 0 when not asked for. */
  dot: number
}

/**
 * Moments of one chunk of both tensors in one pass, by the shifted-data method: sums of x − K and
 * (x − K)² with K the chunk's first value, so m2 = Σd² − (Σd)²/n cancels little (K lies within the
 * data's spread) while reading the chunk once — about twice as fast as two passes. Chunks then
 * combine exactly with `combineMoments`.
 */
export function pairChunkMoments(source: Float32Array | Float64Array, target: Float32Array | Float64Array, count: number, withDot: boolean): PairChunkMoments {
  if (count === 0) return {source: {n: 0, mean: 0, m2: 0, sumAbs: 0}, target: {n: 0, mean: 0, m2: 0, sumAbs: 0}, dot: 0}
  const shiftS = source[0]
  const shiftT = target[0]
  let sumS = 0
  let sqS = 0
  let absS = 0
  let sumT = 0
  let sqT = 0
  let absT = 0
  for (let i = 0; i < count; i++) {
    const s = source[i]
    const t = target[i]
    const ds = s - shiftS
    const dt = t - shiftT
    sumS += ds
    sqS += ds * ds
    absS += Math.abs(s)
    sumT += dt
    sqT += dt * dt
    absT += Math.abs(t)
  }
  let dot = 0
  if (withDot) {
    for (let i = 0; i < count; i++) dot += source[i] * target[i]
  }
  return {
    source: {n: count, mean: shiftS + sumS / count, m2: Math.max(0, sqS - (sumS * sumS) / count), sumAbs: absS},
    target: {n: count, mean: shiftT + sumT / count, m2: Math.max(0, sqT - (sumT * sumT) / count), sumAbs: absT},
    dot,
  }
}
