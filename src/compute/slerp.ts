import {dtypeSize, type FloatDType} from '../io/dtype'
import {decodeFloats, encodeFloats} from './float-codecs'
import {readChunk, readValues, type JobContext} from './job-context'
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
 * write s₀·target + s₁·source, or target + t·(source − target) where slerp falls back to lerp. A bf16
 * merge runs both in the SIMD kernels (the sums one value after another, as the float64 loop adds
 * them); a chunk with a value that is not finite is redone the float64 way.
 */
export function slerp(job: SlerpJob, context: JobContext, progress: (bytes: number) => void): MergeJobResult {
  const {kernels} = context.scratch
  const outDtype = job.out.dtype as FloatDType
  const simd = job.target.dtype === 'BF16' && job.source.dtype === 'BF16' && outDtype === 'BF16'
  const sums = new Float64Array(3)
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, job.count - start)
    if (simd) {
      readChunk(context.files, job.target, start, n, kernels.a)
      readChunk(context.files, job.source, start, n, kernels.b)
      kernels.slerpSumsBf16(n, sums)
      continue
    }
    const t = readValues(context, 0, job.target, start, n)
    const s = readValues(context, 1, job.source, start, n)
    let [tt, ss, st] = sums
    for (let j = 0; j < n; j++) {
      tt += t[j] * t[j]
      ss += s[j] * s[j]
      st += s[j] * t[j]
    }
    sums.set([tt, ss, st])
  }
  const coefficients = slerpCoefficients(job.t, Math.sqrt(sums[0]), Math.sqrt(sums[1]), sums[2])
  const outSize = dtypeSize(outDtype)
  let finite = true
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, job.count - start)
    const out = context.bytes.out.subarray(0, n * outSize)
    let done = false
    if (simd) {
      readChunk(context.files, job.target, start, n, kernels.a)
      readChunk(context.files, job.source, start, n, kernels.b)
      done = coefficients ? kernels.mixBf16(n, coefficients.target, coefficients.source) : kernels.lerpBf16(n, job.t)
    }
    if (!done) {
      const t = context.scratch.target
      const s = context.scratch.source
      if (simd) {
        decodeFloats('BF16', kernels.a, n, t)
        decodeFloats('BF16', kernels.b, n, s)
      } else {
        t.set(readValues(context, 0, job.target, start, n).subarray(0, n))
        s.set(readValues(context, 1, job.source, start, n).subarray(0, n))
      }
      let poison = 0
      for (let j = 0; j < n; j++) {
        const x = coefficients ? coefficients.target * t[j] + coefficients.source * s[j] : t[j] + job.t * (s[j] - t[j])
        t[j] = x
        poison += x * 0
      }
      encodeFloats(outDtype, t, n, out)
      finite = finite && poison === 0
    }
    context.files.writeAt(job.out.path, job.out.offset + start * outSize, out)
    progress(n * (dtypeSize(job.target.dtype) + dtypeSize(job.source.dtype)))
  }
  return {finite, weight: job.t}
}
