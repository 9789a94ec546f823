import {encodeModel, TensorDataType} from '../onnx/proto'

/** The ONNX model `C = MatMul(A, B)` with float32 inputs of symbolic shape [m, k] and [k, n]. */
export function matmulModel(): Uint8Array {
  return encodeModel({
    irVersion: 8,
    producerName: 'cmaam',
    opsetImport: [{domain: '', version: 13}],
    graph: {
      name: 'matmul',
      node: [{opType: 'MatMul', input: ['A', 'B'], output: ['C']}],
      initializer: [],
      input: [
        {name: 'A', elemType: TensorDataType.FLOAT, shape: ['m', 'k']},
        {name: 'B', elemType: TensorDataType.FLOAT, shape: ['k', 'n']},
      ],
      output: [{name: 'C', elemType: TensorDataType.FLOAT, shape: ['m', 'n']}],
    },
  })
}
