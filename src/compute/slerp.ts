import {dtypeSize, type FloatDType} from '../io/dtype'
import {encodeFloats} from './float-codecs'
import {readValues, type JobContext} from './job-context'
import {CHUNK_ELEMENTS, type MergeJobResult, type SlerpJob} from './jobs'

/** |cos| above which the two tensors count as parallel and are interpolated linearly (mergekit's). */
export const SLERP_DOT_THRESHOLD = 0.9995
/** A norm at or below this makes a zero tensor, interpolated linearly. */
export const SLERP_EPS = 1e-8

/**
 * The coefficients of target and source in slerp, from their norms and dot product, or null where
 * mergekit falls back to linear interpolation (nearly parallel or opposite, or a zero tensor).
 */
export function slerpCoefficients(t: number, targetNorm: number, sourceNorm: number, dot: number): {target: number; source: number} | null {
  if (!(targetNorm > SLERP_EPS && sourceNorm > SLERP_EPS)) return null
  const cos = dot / targetNorm / sourceNorm
  if (Math.abs(cos) > SLERP_DOT_THRESHOLD) return null
  const theta = Math.acos(cos)
  const sinTheta = Math.sin(theta)
  const thetaT = theta * t
  return {target: Math.sin(theta - thetaT) / sinTheta, source: Math.sin(thetaT) / sinTheta}
}

/**
 * Streams the tensor twice: once for ‖target‖, ‖source‖ and their dot product (the angle), once to
 * write s₀·target + s₁·source, or target + t·(source − target) where slerp falls back to lerp.
 */
export function slerp(job: SlerpJob, context: JobContext, progress: (bytes: number) => void): MergeJobResult {
  let tt = 0
  let ss = 0
  let st = 0
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, job.count - start)
    const t = readValues(context, 0, job.target, start, n)
    const s = readValues(context, 1, job.source, start, n)
    for (let j = 0; j < n; j++) {
      tt += t[j] * t[j]
      ss += s[j] * s[j]
      st += s[j] * t[j]
    }
  }
  const coefficients = slerpCoefficients(job.t, Math.sqrt(tt), Math.sqrt(ss), st)
  const outDtype = job.out.dtype as FloatDType
  const outSize = dtypeSize(outDtype)
  const merged = context.scratch.target
  let poison = 0
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, job.count - start)
    const t = readValues(context, 0, job.target, start, n)
    const s = readValues(context, 1, job.source, start, n)
    if (coefficients) {
      const {target: a, source: b} = coefficients
      for (let j = 0; j < n; j++) merged[j] = a * t[j] + b * s[j]
    } else {
      for (let j = 0; j < n; j++) merged[j] = t[j] + job.t * (s[j] - t[j])
    }
    for (let j = 0; j < n; j++) poison += merged[j] * 0
    const out = context.bytes.out.subarray(0, n * outSize)
    encodeFloats(outDtype, merged, n, out)
    context.files.writeAt(job.out.path, job.out.offset + start * outSize, out)
    progress(n * (dtypeSize(job.target.dtype) + dtypeSize(job.source.dtype)))
  }
  return {finite: poison === 0, weight: job.t}
}
