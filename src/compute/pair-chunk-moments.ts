import type {MomentStats} from './moments'
import {bf16Value} from './float-codecs'
import type {Kernels} from './wasm/kernels'

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
  return {source: shiftedMoments(count, shiftS, sumS, sqS, absS), target: shiftedMoments(count, shiftT, sumT, sqT, absT), dot}
}

/** Moments from the sums Σ(x − K) and Σ(x − K)² of `n` values shifted by K, and Σ|x|. */
function shiftedMoments(n: number, shift: number, sum: number, squares: number, sumAbs: number): MomentStats {
  return {n, mean: shift + sum / n, m2: Math.max(0, squares - (sum * sum) / n), sumAbs}
}

/**
 * `pairChunkMoments` of `count` (≥ 1) bf16 values of each tensor, the source in kernel region `a`
 * and the target in `b`: the SIMD kernel sums all but the last count mod 4, added here.
 */
export function pairChunkMomentsBf16(kernels: Kernels, count: number, withDot: boolean): PairChunkMoments {
  const s16 = new Uint16Array(kernels.a.buffer, kernels.a.byteOffset, count)
  const t16 = new Uint16Array(kernels.b.buffer, kernels.b.byteOffset, count)
  const shiftS = bf16Value(s16[0])
  const shiftT = bf16Value(t16[0])
  let [sumS, sqS, absS, sumT, sqT, absT, dot] = kernels.momentsBf16(count, shiftS, shiftT)
  for (let i = count & ~3; i < count; i++) {
    const s = bf16Value(s16[i])
    const t = bf16Value(t16[i])
    sumS += s - shiftS
    sqS += (s - shiftS) * (s - shiftS)
    absS += Math.abs(s)
    sumT += t - shiftT
    sqT += (t - shiftT) * (t - shiftT)
    absT += Math.abs(t)
    dot += s * t
  }
  return {source: shiftedMoments(count, shiftS, sumS, sqS, absS), target: shiftedMoments(count, shiftT, sumT, sqT, absT), dot: withDot ? dot : 0}
}
