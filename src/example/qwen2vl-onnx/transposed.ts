import type {WeightTensor} from './qwen2vl-shape'

/** A 2-D weight [out, in] as [in, out]: how torch.onnx stores a Linear weight read by MatMul. */
export function transposed(weight: WeightTensor): Float32Array {
  const [rows, columns] = weight.shape
  const out = new Float32Array(rows * columns)
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = weight.values[r * columns + c]
  return out
}
