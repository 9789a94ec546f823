import type {InferenceSession, Tensor} from 'onnxruntime-node'
import type {Device} from './device/device'
import type {KrylovProducts} from './linalg/block-lanczos-singular-values'
import {matmulModel, projectOutModel} from './matmul-model'

interface Sessions {
  matmul: InferenceSession
  projectOut: InferenceSession
}

/**
 * The products of a Krylov run on onnxruntime on `device`: with A as float32 MatMuls (the float64
 * blocks rounded to float32 and back: about 60× the speed of JavaScript loops), and the projections
 * against the basis as float64 Gemms. A is an input, not a constant, and onnxruntime reads it in place
 * on every run.
 */
export async function onnxKrylovProducts(matrix: Float32Array, rows: number, cols: number, device: Device): Promise<KrylovProducts> {
  const ort = await import('onnxruntime-node')
  const {matmul, projectOut} = await sessionsFor(device)
  const a = new ort.Tensor('float32', matrix, [rows, cols])
  const run = async (session: InferenceSession, feeds: Record<string, Tensor>): Promise<Float32Array | Float64Array> => {
    const outputs = await session.run(feeds)
    return outputs[session.outputNames[0]].data as Float32Array | Float64Array
  }
  return {
    async times(block, count) {
      // A·Xᵀ as MatMul(A, Xᵀ): the rounding to float32 writes the transpose.
      const x = new Float32Array(cols * count)
      for (let c = 0; c < count; c++) for (let k = 0; k < cols; k++) x[k * count + c] = block[c * cols + k]
      const product = await run(matmul, {A: a, B: new ort.Tensor('float32', x, [cols, count])})
      const out = new Float64Array(count * rows)
      for (let i = 0; i < rows; i++) for (let c = 0; c < count; c++) out[c * rows + i] = product[i * count + c]
      return out
    },
    async transposeTimes(block, count) {
      // (Aᵀ·Yᵀ)ᵀ = Y·A: A stays the input as it is, with no transposed copy.
      const y = Float32Array.from(block.subarray(0, count * rows))
      return Float64Array.from(await run(matmul, {A: new ort.Tensor('float32', y, [count, rows]), B: a}))
    },
    async projectOut(basis, dims, x, count, length) {
      const feeds = {Q: new ort.Tensor('float64', basis.subarray(0, dims * length), [dims, length]), X: new ort.Tensor('float64', x.subarray(0, count * length), [count, length])}
      return (await run(projectOut, feeds)) as Float64Array
    },
  }
}

/**
 * One pair of sessions per device and thread. One intra-op thread each: the worker pool already runs a
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
  const ort = await import('onnxruntime-node')
  const options: InferenceSession.SessionOptions = {executionProviders: [device], graphOptimizationLevel: 'all', enableCpuMemArena: false, intraOpNumThreads: 1}
  try {
    const [matmul, projectOut] = await Promise.all([ort.InferenceSession.create(matmulModel(), options), ort.InferenceSession.create(projectOutModel(), options)])
    return {matmul, projectOut}
  } catch (error) {
    throw new Error(`onnxruntime could not create a session on device '${device}' for the singular values: ${error instanceof Error ? error.message : String(error)}`)
  }
}

const cache = new Map<Device, Promise<Sessions>>()
