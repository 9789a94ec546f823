import {encodeModel, TensorDataType} from '../io/onnx-proto'
import type {OnnxNode} from '../io/onnx-proto'

/** The ONNX model `C = MatMul(A, B)` with float32 inputs of symbolic shape [m, k] and [k, n]. */
export function matmulModel(): Uint8Array {
  return graphModel('matmul', [{opType: 'MatMul', input: ['A', 'B'], output: ['C']}], TensorDataType.FLOAT, [
    ['A', ['m', 'k']],
    ['B', ['k', 'n']],
  ], ['C', ['m', 'n']])
}

/** The ONNX model `C = A·Bᵀ` (Gemm) with float32 inputs of symbolic shape [m, k] and [n, k]. */
export function timesTransposedModel(): Uint8Array {
  return graphModel('times_transposed', [{opType: 'Gemm', input: ['A', 'B'], output: ['C'], attribute: [{name: 'transB', type: 'int', i: 1}]}], TensorDataType.FLOAT, [
    ['A', ['m', 'k']],
    ['B', ['n', 'k']],
  ], ['C', ['m', 'n']])
}

/**
 * The ONNX model `Y = X − (X·Qᵀ)·Q` in float64: removes from the rows of X [b, n] their components
 * along the orthonormal rows of Q [d, n] (one classical Gram–Schmidt pass of a whole block).
 */
export function projectOutModel(): Uint8Array {
  const node: OnnxNode[] = [
    {opType: 'Gemm', input: ['X', 'Q'], output: ['C'], attribute: [{name: 'transB', type: 'int', i: 1}]},
    {opType: 'Gemm', input: ['C', 'Q', 'X'], output: ['Y'], attribute: [{name: 'alpha', type: 'float', f: -1}]},
  ]
  return graphModel('project_out', node, TensorDataType.DOUBLE, [
    ['Q', ['d', 'n']],
    ['X', ['b', 'n']],
  ], ['Y', ['b', 'n']])
}

type Value = [name: string, shape: string[]]

function graphModel(name: string, node: OnnxNode[], elemType: number, inputs: Value[], output: Value): Uint8Array {
  return encodeModel({
    irVersion: 8,
    producerName: 'cmaam',
    opsetImport: [{domain: '', version: 13}],
    graph: {
      name,
      node,
      initializer: [],
      input: inputs.map(([input, shape]) => ({name: input, elemType, shape})),
      output: [{name: output[0], elemType, shape: output[1]}],
    },
  })
}
