import type {FloatDType} from '../io/dtype'
import {dtypeSize} from '../io/dtype'
import {FileAccess} from './file-access'
import {decodeFloats} from './float-codecs'
import {CHUNK_ELEMENTS, type TensorLocation} from './jobs'
import {createLerpScratch, type LerpScratch} from './lerp-chunk'

/** Per-thread state: open files and scratch buffers reused across jobs. */
export interface JobContext {
  files: FileAccess
  scratch: LerpScratch
  bytes: {a: Uint8Array; b: Uint8Array; out: Uint8Array}
  /** One chunk of raw bytes and its float64 values per input of a many-model job; grown on demand. */
  lanes: Array<{bytes: Uint8Array; values: Float64Array}>
}

export function createJobContext(): JobContext {
  const scratch = createLerpScratch(CHUNK_ELEMENTS)
  // Chunks are read into the SIMD kernels' memory, so their loops run on them in place.
  const {a, b, out} = scratch.kernels
  return {files: new FileAccess(), scratch, bytes: {a, b, out}, lanes: []}
}

export function readChunk(files: FileAccess, location: TensorLocation, start: number, count: number, into: Uint8Array): void {
  const size = dtypeSize(location.dtype)
  // A virtual tensor (e.g. a LoRA-updated weight) was computed into memory before the job.
  if (location.memory) {
    into.set(location.memory.subarray(start * size, (start + count) * size))
    return
  }
  files.readAt(location.path, location.offset + start * size, into.subarray(0, count * size))
}

/** Lane `lane` of a many-model job, made when first asked for. */
export function contextLane(context: JobContext, lane: number): {bytes: Uint8Array; values: Float64Array} {
  while (context.lanes.length <= lane) context.lanes.push({bytes: new Uint8Array(CHUNK_ELEMENTS * 8), values: new Float64Array(CHUNK_ELEMENTS)})
  return context.lanes[lane]
}

/** Elements [start, start + count) of a float tensor as float64 values, in lane `lane`'s buffer. */
export function readValues(context: JobContext, lane: number, location: TensorLocation, start: number, count: number): Float64Array {
  const {bytes, values} = contextLane(context, lane)
  readChunk(context.files, location, start, count, bytes)
  decodeFloats(location.dtype as FloatDType, bytes, count, values)
  return values
}
