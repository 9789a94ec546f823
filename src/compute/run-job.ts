import {dtypeSize, isFloatDType} from '../io/dtype'
import {combineMoments, emptyMoments} from './moments'
import {wasserstein1Sorted} from './wasserstein1'
import type {MomentStats} from './moments'
import type {FloatDType} from '../io/dtype'
import {readChunk, type JobContext} from './job-context'
import {decodeFloats, encodeFloats, viewFloats} from './float-codecs'
import {pairChunkMoments, pairChunkMomentsBf16} from './pair-chunk-moments'
import {CHUNK_ELEMENTS, type CopyJob, type Job, type JobResult, type LerpJob, type StatisticsJob, type StatisticsResult} from './jobs'
import {lerpChunk} from './lerp-chunk'
import {modelStock} from './model-stock'
import {slerp} from './slerp'
import {taskVector} from './task-vector'
import {sampleIndices} from './sample-indices'
import {sortBf16, sortFloat32} from './radix-sort'
import {topSingularValues} from './top-singular-values'

/**
 * Runs one job; `progress` receives bytes read as the job advances. Statistics with spectra are
 * asynchronous (their products run on onnxruntime); every other job returns its result directly.
 */
export function runJob<J extends Job>(job: J, context: JobContext, progress: (bytes: number) => void): JobResult<J> | Promise<JobResult<J>> {
  switch (job.kind) {
    case 'statistics':
      return (job.spectrum ? statisticsWithSpectra(job, job.spectrum, context, progress) : {...streamPair(job, context, progress), spectra: null}) as JobResult<J>
    case 'lerp':
      return lerp(job, context, progress) as JobResult<J>
    case 'copy':
      return copy(job, context, progress) as JobResult<J>
    case 'task-vector':
      return taskVector(job, context, progress) as JobResult<J>
    case 'slerp':
      return slerp(job, context, progress) as JobResult<J>
    case 'model-stock':
      return modelStock(job, context, progress) as JobResult<J>
  }
  throw new Error(`unknown job kind ${(job as Job).kind}`)
}

/** Also hands each chunk's source values (and the raw target bytes in `context.bytes.b`) to `collect`. */
type ChunkCollector = (start: number, count: number, source: Float32Array | Float64Array) => void

function streamPair(job: StatisticsJob, context: JobContext, progress: (bytes: number) => void, collect?: ChunkCollector): Omit<StatisticsResult, 'spectra'> {
  const {files, scratch, bytes} = context
  const sampled = job.count > job.sampleSize
  const indices = sampled ? sampleIndices(job.count, job.sampleSize, job.seed, job.name) : null
  const sampleLength = sampled ? job.sampleSize : job.count
  const sourceType = job.source.dtype as FloatDType
  const targetType = job.target.dtype as FloatDType
  // The common case, a sampled bf16 pair: SIMD sums over the raw chunks, and the sample kept as bf16
  // bits (a counting sort orders them).
  const bf16 = !collect && indices !== null && sourceType === 'BF16' && targetType === 'BF16'
  const sourceBits = new Uint16Array(bf16 ? sampleLength : 0)
  const targetBits = new Uint16Array(bf16 ? sampleLength : 0)
  // Otherwise samples of float32-exact dtypes are kept as float32, which sorts faster (all but F64).
  const exact32 = sourceType !== 'F64' && targetType !== 'F64'
  const floats = bf16 ? 0 : sampleLength
  const sourceSample = exact32 ? new Float32Array(floats) : new Float64Array(floats)
  const targetSample = exact32 ? new Float32Array(floats) : new Float64Array(floats)
  let sourceMoments: MomentStats = emptyMoments()
  let targetMoments: MomentStats = emptyMoments()
  let dot = 0
  let next = 0
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const count = Math.min(CHUNK_ELEMENTS, job.count - start)
    const end = start + count
    readChunk(files, job.source, start, count, bytes.a)
    readChunk(files, job.target, start, count, bytes.b)
    if (bf16) {
      const chunk = pairChunkMomentsBf16(scratch.kernels, count, job.withDot)
      sourceMoments = combineMoments(sourceMoments, chunk.source)
      targetMoments = combineMoments(targetMoments, chunk.target)
      dot += chunk.dot
      const s16 = new Uint16Array(bytes.a.buffer, bytes.a.byteOffset, count)
      const t16 = new Uint16Array(bytes.b.buffer, bytes.b.byteOffset, count)
      for (; next < indices.length && indices[next] < end; next++) {
        sourceBits[next] = s16[indices[next] - start]
        targetBits[next] = t16[indices[next] - start]
      }
    } else {
      const s = viewFloats(sourceType, bytes.a, count, scratch.bits)
      const t = viewFloats(targetType, bytes.b, count, scratch.otherBits)
      const chunk = pairChunkMoments(s, t, count, job.withDot)
      sourceMoments = combineMoments(sourceMoments, chunk.source)
      targetMoments = combineMoments(targetMoments, chunk.target)
      dot += chunk.dot
      collect?.(start, count, s)
      if (indices) {
        for (; next < indices.length && indices[next] < end; next++) {
          sourceSample[next] = s[indices[next] - start]
          targetSample[next] = t[indices[next] - start]
        }
      } else {
        sourceSample.set(s, start)
        targetSample.set(t, start)
      }
    }
    progress(count * (dtypeSize(job.source.dtype) + dtypeSize(job.target.dtype)))
  }
  const finite = {source: Number.isFinite(sourceMoments.m2 + sourceMoments.sumAbs), target: Number.isFinite(targetMoments.m2 + targetMoments.sumAbs)}
  let w1 = Number.NaN
  if (finite.source && finite.target) {
    w1 = bf16 ? wasserstein1Sorted(sortBf16(sourceBits), sortBf16(targetBits)) : wasserstein1Sorted(sortSample(sourceSample), sortSample(targetSample))
  }
  return {source: sourceMoments, target: targetMoments, w1, dot: job.withDot ? dot : null, finite}
}

function sortSample(values: Float32Array | Float64Array): Float32Array | Float64Array {
  return values instanceof Float32Array ? sortFloat32(values) : values.sort()
}

/**
 * `streamPair` of a bridge matrix plus the top singular values of both tensors, from one read of
 * each: the source's values are kept as a float32 matrix and the target's raw bytes beside them; the
 * target's matrix then reuses the source's memory, so at most one float32 matrix is held.
 */
async function statisticsWithSpectra(
  job: StatisticsJob,
  spectrum: NonNullable<StatisticsJob['spectrum']>,
  context: JobContext,
  progress: (bytes: number) => void,
): Promise<StatisticsResult> {
  const matrix = new Float32Array(job.count)
  const targetSize = dtypeSize(job.target.dtype)
  const targetBytes = new Uint8Array(job.count * targetSize)
  const stats = streamPair(job, context, progress, (start, count, source) => {
    matrix.set(source.subarray(0, count), start)
    targetBytes.set(context.bytes.b.subarray(0, count * targetSize), start * targetSize)
  })
  if (!(stats.finite.source && stats.finite.target)) return {...stats, spectra: null}
  const {rows, cols, k, device} = spectrum
  const source = await topSingularValues(matrix, rows, cols, k, {seed: job.seed, device})
  const values = context.scratch.source
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, job.count - start)
    decodeFloats(job.target.dtype as FloatDType, targetBytes.subarray(start * targetSize), n, values)
    matrix.set(values.subarray(0, n), start)
  }
  const target = await topSingularValues(matrix, rows, cols, k, {seed: job.seed, device})
  return {...stats, spectra: {source, target}}
}

function lerp(job: LerpJob, context: JobContext, progress: (bytes: number) => void): {finite: boolean} {
  const {files, scratch, bytes} = context
  const outSize = dtypeSize(job.out.dtype)
  let finite = true
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const count = Math.min(CHUNK_ELEMENTS, job.count - start)
    readChunk(files, job.target, start, count, bytes.a)
    readChunk(files, job.source, start, count, bytes.b)
    const out = bytes.out.subarray(0, count * outSize)
    const input = {targetDtype: job.target.dtype as FloatDType, target: bytes.a, sourceDtype: job.source.dtype as FloatDType, source: bytes.b}
    finite = lerpChunk(input, count, job.alpha, job.out.dtype as FloatDType, out, scratch) && finite
    files.writeAt(job.out.path, job.out.offset + start * outSize, out)
    progress(count * (dtypeSize(job.target.dtype) + dtypeSize(job.source.dtype)))
  }
  return {finite}
}

function copy(job: CopyJob, context: JobContext, progress: (bytes: number) => void): {finite: boolean} {
  const {files, scratch, bytes} = context
  const inSize = dtypeSize(job.from.dtype)
  const outSize = dtypeSize(job.out.dtype)
  const convert = job.from.dtype !== job.out.dtype
  const checked = isFloatDType(job.from.dtype)
  let finite = true
  for (let start = 0; start < job.count; start += CHUNK_ELEMENTS) {
    const count = Math.min(CHUNK_ELEMENTS, job.count - start)
    const input = bytes.a.subarray(0, count * inSize)
    readChunk(files, job.from, start, count, input)
    let out = input
    if (job.from.dtype === 'BF16' && !convert) {
      // The common case: only a check, in SIMD over the bits.
      finite = scratch.kernels.finiteBf16(count) && finite
    } else if (checked) {
      const values = scratch.target
      decodeFloats(job.from.dtype as FloatDType, input, count, values)
      let poison = 0
      for (let i = 0; i < count; i++) poison += values[i] * 0
      finite = finite && poison === 0
      if (convert) {
        out = bytes.out.subarray(0, count * outSize)
        encodeFloats(job.out.dtype as FloatDType, values, count, out)
      }
    }
    files.writeAt(job.out.path, job.out.offset + start * outSize, out)
    progress(count * inSize)
  }
  return {finite}
}
