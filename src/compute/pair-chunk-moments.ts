import type {MomentStats} from '../merge/analysis/types'
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
  return {
    source: {n: count, mean: shiftS + sumS / count, m2: Math.max(0, sqS - (sumS * sumS) / count), sumAbs: absS},
    target: {n: count, mean: shiftT + sumT / count, m2: Math.max(0, sqT - (sumT * sumT) / count), sumAbs: absT},
    dot,
  }
}

/**
 * `pairChunkMoments` of `count` bf16 values of each tensor, the source in kernel region `a` and the
 * target in `b`: the SIMD kernel sums all but the last count mod 4, added here.
 */
export function pairChunkMomentsBf16(kernels: Kernels, count: number, withDot: boolean): PairChunkMoments {
  if (count === 0) return pairChunkMoments(new Float32Array(0), new Float32Array(0), 0, withDot)
  const s16 = new Uint16Array(kernels.a.buffer, kernels.a.byteOffset, count)
  const t16 = new Uint16Array(kernels.b.buffer, kernels.b.byteOffset, count)
  const shiftS = bf16Value(s16[0])
  const shiftT = bf16Value(t16[0])
  const sums = kernels.momentsBf16(kernels.a, kernels.b, count, shiftS, shiftT)
  let [sumS, sqS, absS, sumT, sqT, absT, dot] = sums
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
  return {
    source: {n: count, mean: shiftS + sumS / count, m2: Math.max(0, sqS - (sumS * sumS) / count), sumAbs: absS},
    target: {n: count, mean: shiftT + sumT / count, m2: Math.max(0, sqT - (sumT * sumT) / count), sumAbs: absT},
    dot: withDot ? dot : 0,
  }
}
