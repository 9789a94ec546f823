import {decodeFloats, encodeFloats, viewFloats} from '../compute/float-codecs'
import {transposeMatrix} from '../compute/linalg/transpose-matrix'
import type {Device} from '../compute/device/device'
import {matmul} from '../compute/matmul'
import {createKernels, type Kernels} from '../compute/wasm/kernels'
import {dtypeSize, type FloatDType} from '../io/dtype'
import {readTensorBytes} from '../io/safetensors/read-tensor-bytes'
import type {CheckpointTensor, TensorEntry} from '../io/safetensors/types'

/** A base weight and the LoRA factors to add to it. */
export interface LoraTensor {
  base: CheckpointTensor
  a: TensorEntry & {path: string}
  b: TensorEntry & {path: string}
  scale: number
  /** The weight is stored [in, out] (fan_in_fan_out, embeddings): add (B·A)ᵀ = Aᵀ·Bᵀ. */
  transposed: boolean
  outDtype: FloatDType
  device: Device
}

/** Output elements per MatMul call: big enough to amortise the call, small enough for onnxruntime's temporaries. */
const BLOCK_ELEMENTS = 1 << 20

/** Kernel memories not in use: tensors are computed concurrently, each needs its own while it runs. */
const idleKernels: Kernels[] = []

function takeKernels(capacity: number): Kernels {
  const at = idleKernels.findIndex((k) => k.a.byteLength >= 8 * capacity)
  return at >= 0 ? idleKernels.splice(at, 1)[0] : createKernels(capacity)
}

/**
 * W + s·B·A, the product in float32 (onnxruntime MatMul, row blocks, written into kernel memory), the
 * sum in float64, rounded once to `outDtype` (bf16 weights by the SIMD kernel), into memory from `allocate`.
 */
export async function computeLoraTensor(t: LoraTensor, allocate: (byteLength: number) => Uint8Array): Promise<Uint8Array> {
  const [rows, cols] = t.base.shape
  const rank = t.a.shape[0]
  const a = await readFactor(t.a)
  const b = await readFactor(t.b)
  // left [rows, rank] · right [rank, cols]
  const left = t.transposed ? transposeMatrix(a, rank, rows) : b
  const right = t.transposed ? transposeMatrix(b, cols, rank) : a
  const inSize = dtypeSize(t.base.dtype)
  const outSize = dtypeSize(t.outDtype)
  const out = allocate(rows * cols * outSize)
  const blockRows = Math.max(1, Math.floor(BLOCK_ELEMENTS / cols))
  const kernels = takeKernels(Math.max(BLOCK_ELEMENTS, cols))
  const simd = t.base.dtype === 'BF16' && t.outDtype === 'BF16'
  let sum: Float64Array | undefined
  try {
    for (let r0 = 0; r0 < rows; r0 += blockRows) {
      const n = Math.min(blockRows, rows - r0)
      const count = n * cols
      const delta = await matmul(left.subarray(r0 * rank, (r0 + n) * rank), right, n, rank, cols, t.device, new Float32Array(kernels.b.buffer, kernels.b.byteOffset, count))
      // The base's rows straight into kernel memory: no copy of the whole tensor to allocate and touch.
      const block = await readTensorBytes(t.base.path, t.base.offset + r0 * cols * inSize, count * inSize, kernels.a.subarray(0, count * inSize))
      if (simd && kernels.addScaledBf16(count, t.scale)) {
        out.set(kernels.out.subarray(0, count * outSize), r0 * cols * outSize)
        continue
      }
      // Other dtypes, and a block with a value that is not finite (NaN payloads kept).
      sum ??= new Float64Array(Math.min(rows, blockRows) * cols)
      decodeFloats(t.base.dtype as FloatDType, block, count, sum)
      const s = t.scale
      for (let i = 0; i < count; i++) sum[i] += s * delta[i]
      encodeFloats(t.outDtype, sum, count, out.subarray(r0 * cols * outSize))
    }
  } finally {
    idleKernels.push(kernels)
  }
  return out
}

/** A LoRA factor as float32 (exact for F32, BF16 and F16 factors). */
async function readFactor(entry: TensorEntry & {path: string}): Promise<Float32Array> {
  const count = entry.shape.reduce((p, d) => p * d, 1)
  const bytes = await readTensorBytes(entry.path, entry.offset, entry.byteLength)
  const values = viewFloats(entry.dtype as FloatDType, bytes, count, new Int32Array(count))
  return values instanceof Float32Array ? values : Float32Array.from(values)
}

/** A full tensor of the adapter (`modules_to_save`) in the base's dtype, rounded once. */
export async function computeReplacement(entry: TensorEntry & {path: string}, outDtype: FloatDType, allocate: (byteLength: number) => Uint8Array): Promise<Uint8Array> {
  const count = entry.shape.reduce((p, d) => p * d, 1)
  const out = allocate(count * dtypeSize(outDtype))
  const bytes = await readTensorBytes(entry.path, entry.offset, entry.byteLength)
  if (entry.dtype === outDtype) {
    out.set(bytes)
    return out
  }
  const values = new Float64Array(count)
  decodeFloats(entry.dtype as FloatDType, bytes, count, values)
  encodeFloats(outDtype, values, count, out)
  return out
}
