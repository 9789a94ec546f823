import type {InferenceSession, Tensor} from 'onnxruntime-node'
import type {Device} from './device/device'
import type {KrylovProducts} from './linalg/block-lanczos-singular-values'
import {matmulModel, projectOutModel, timesTransposedModel} from './matmul-model'
import {createOnnxSession, runOnnxSession} from './onnx-sessions'

interface Sessions {
  /** C = A·Bᵀ: A·X for row vectors X. */
  timesTransposed: InferenceSession
  /** C = A·B: Y·A for row vectors Y, i.e. (Aᵀ·Yᵀ)ᵀ. */
  matmul: InferenceSession
  projectOut: InferenceSession
}

/**
 * The products of a Krylov run on onnxruntime on `device`: with A as float32 products (the float64
 * blocks rounded to float32 and back; about 60× the speed of JavaScript loops), and the projections
 * against the basis as float64 Gemms. A is an input, not a constant, and onnxruntime reads it in place
 * on every run (no copy, no transposed copy). Inputs and outputs go through buffers reused from call
 * to call: fresh memory costs more to touch than these products take.
 */
export async function onnxKrylovProducts(matrix: Float32Array, rows: number, cols: number, device: Device): Promise<KrylovProducts> {
  const ort = await import('onnxruntime-node')
  const sessions = await sessionsFor(device)
  const a = new ort.Tensor('float32', matrix, [rows, cols])
  let input = new Float32Array(0)
  let output = new Float32Array(0)
  let projected = new Float64Array(0)
  const float32 = (size: number): [Float32Array, Float32Array] => {
    if (input.length < size) input = new Float32Array(size)
    if (output.length < size) output = new Float32Array(size)
    return [input, output]
  }
  const run = (session: InferenceSession, feeds: Record<string, Tensor>, out: Tensor): Promise<unknown> => runOnnxSession(session, feeds, {[session.outputNames[0]]: out})
  return {
    async times(block, count, out) {
      const [x, product] = float32(count * Math.max(rows, cols))
      for (let i = 0; i < count * cols; i++) x[i] = block[i]
      const result = product.subarray(0, rows * count)
      await run(sessions.timesTransposed, {A: a, B: new ort.Tensor('float32', x.subarray(0, count * cols), [count, cols])}, new ort.Tensor('float32', result, [rows, count]))
      // [rows, count] back to one vector per row
      for (let i = 0; i < rows; i++) for (let c = 0; c < count; c++) out[c * rows + i] = result[i * count + c]
    },
    async transposeTimes(block, count, out) {
      const [y, product] = float32(count * Math.max(rows, cols))
      for (let i = 0; i < count * rows; i++) y[i] = block[i]
      const result = product.subarray(0, count * cols)
      await run(sessions.matmul, {A: new ort.Tensor('float32', y.subarray(0, count * rows), [count, rows]), B: a}, new ort.Tensor('float32', result, [count, cols]))
      for (let i = 0; i < count * cols; i++) out[i] = result[i]
    },
    async projectOut(basis, dims, x, count, length) {
      if (projected.length < count * length) projected = new Float64Array(count * length)
      const result = projected.subarray(0, count * length)
      const feeds = {Q: new ort.Tensor('float64', basis.subarray(0, dims * length), [dims, length]), X: new ort.Tensor('float64', x.subarray(0, count * length), [count, length])}
      await run(sessions.projectOut, feeds, new ort.Tensor('float64', result, [count, length]))
      return result
    },
  }
}

/**
 * One set of sessions per device and thread. One intra-op thread each: the worker pool already runs a
 * job per core, and results must not depend on how many threads split a product.
 */
function sessionsFor(device: Device): Promise<Sessions> {
  let sessions = cache.get(device)
  if (!sessions) {
    sessions = createSessions(device)
    cache.set(device, sessions)
  }
  return sessions
}

async function createSessions(device: Device): Promise<Sessions> {
  const options: InferenceSession.SessionOptions = {executionProviders: [device], graphOptimizationLevel: 'all', enableCpuMemArena: false, intraOpNumThreads: 1}
  try {
    const [timesTransposed, matmul, projectOut] = await Promise.all([timesTransposedModel(), matmulModel(), projectOutModel()].map((model) => createOnnxSession(model, options)))
    return {timesTransposed, matmul, projectOut}
  } catch (error) {
    throw new Error(`onnxruntime could not create a session on device '${device}' for the singular values: ${error instanceof Error ? error.message : String(error)}`)
  }
}

const cache = new Map<Device, Promise<Sessions>>()
