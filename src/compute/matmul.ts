import type {InferenceSession} from 'onnxruntime-node'
import type {Device} from './device/device'
import {matmulModel} from './matmul-model'
import {createOnnxSession, runOnnxSession} from './onnx-sessions'

/**
 * C = A·B for float32 row-major matrices A [m, k] and B [k, n], on onnxruntime's MatMul on `device`
 * (on the CPU about 60 GFLOP/s on two cores, against 1–2 for JavaScript loops). One session per device
 * serves every call: the matrices are inputs, not constants, so no shape or value ever rebuilds it.
 * Written into `out` when given (a buffer reused across calls), else into a new array.
 */
export async function matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, device: Device, out?: Float32Array): Promise<Float32Array> {
  if (a.length !== m * k || b.length !== k * n) throw new RangeError(`matmul: A has ${a.length} values for [${m}, ${k}], B ${b.length} for [${k}, ${n}]`)
  const ort = await import('onnxruntime-node')
  let session = sessions.get(device)
  if (!session) {
    session = createOnnxSession(matmulModel(), {executionProviders: [device], graphOptimizationLevel: 'all', enableCpuMemArena: false})
    sessions.set(device, session)
  }
  const feeds = {A: new ort.Tensor('float32', a, [m, k]), B: new ort.Tensor('float32', b, [k, n])}
  if (!out) return (await runOnnxSession(await session, feeds)).C.data as Float32Array
  if (out.length !== m * n) throw new RangeError(`matmul: C has ${out.length} values for [${m}, ${n}]`)
  // onnxruntime writes into `out`: reusing one buffer saves touching fresh memory on every call.
  await runOnnxSession(await session, feeds, {C: new ort.Tensor('float32', out, [m, n])})
  return out
}

const sessions = new Map<Device, Promise<InferenceSession>>()
