import {mapInitializers} from '../../src/onnx/map-initializers'
import {modulePath} from '../../src/onnx/module-path'
import {TensorDataType as T, type OnnxGraph, type OnnxNode} from '../../src/io/onnx-proto'
import {createAdapter} from '../../src/models/create-adapter'
import {qwen2vl} from '../../src/models/adapters/qwen2vl'

test.each([
  ['/model/layers.0/self_attn/q_proj/MatMul', 'model.layers.0.self_attn.q_proj'],
  ['/blocks.0/mlp/mlp.0/MatMul', 'blocks.0.mlp.0'],
  ['/merger/mlp/mlp.2/Gemm', 'merger.mlp.2'],
  ['/lm_head/MatMul_Q4', 'lm_head'],
  ['/model/model/layers.3/mlp/down_proj/MatMul_quant', 'model.model.layers.3.mlp.down_proj'],
  ['/Gather', null],
  ['MatMul_12', null],
])('modulePath(%s) = %s', (name, path) => {
  expect(modulePath(name)).toBe(path)
})

function graph(nodes: OnnxNode[], initializers: [string, number[]][]): OnnxGraph {
  return {name: 'g', node: nodes, input: [], output: [], initializer: initializers.map(([name, dims]) => ({name, dims, dataType: T.FLOAT, rawData: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1))}))}
}

const options = (parameters: [string, number[]][]) => ({parameters: new Map(parameters), role: 'decoder' as const, adapter: createAdapter(qwen2vl), file: 'm.onnx'})

test('Gemm with transB=0 reads its weight transposed; a wrapped export drops the wrapper prefix', () => {
  const g = graph(
    [
      {name: '/proj/Gemm', opType: 'Gemm', input: ['x', 'onnx::Gemm_5'], output: ['y'], attribute: [{name: 'transB', type: 'int', i: 0}]},
      {name: '/model/model/layers.0/mlp/up_proj/MatMul', opType: 'MatMul', input: ['y', 'onnx::MatMul_9'], output: ['z']},
    ],
    [['onnx::Gemm_5', [6, 4]], ['onnx::MatMul_9', [4, 10]]],
  )
  const map = mapInitializers(g, options([['visual.proj.weight', [4, 6]], ['model.layers.0.mlp.up_proj.weight', [10, 4]]]))
  expect(map.mappings.map((m) => [m.name, m.parameter, m.via, m.layout])).toEqual([
    ['onnx::Gemm_5', 'visual.proj.weight', 'consumer', 'transposed'],
    ['onnx::MatMul_9', 'model.layers.0.mlp.up_proj.weight', 'consumer', 'transposed'],
  ])
})

test('a name that fits two parameters with no prefix or role to decide is reported, not guessed', () => {
  const g = graph([{name: '/norm/Mul', opType: 'Mul', input: ['x', 'norm.weight'], output: ['y']}], [['norm.weight', [8]]])
  const map = mapInitializers(g, options([['model.norm.weight', [8]], ['model.language_model.norm.weight', [8]]]))
  expect(map.mappings).toEqual([])
  expect(map.unmapped).toEqual([{name: 'norm.weight', reason: 'fits 2 parameters: model.norm.weight, model.language_model.norm.weight'}])
})

test('float constants that are not read as weights and have no parameter name stay constants', () => {
  const g = graph([{name: '/rotary/Mul', opType: 'Mul', input: ['x', 'inv_freq'], output: ['y']}, {name: '/rotary/Gather', opType: 'Gather', input: ['cos_cached', 'p'], output: ['c']}], [['inv_freq', [4]], ['cos_cached', [16, 8]]])
  const map = mapInitializers(g, options([['model.norm.weight', [8]]]))
  expect(map).toEqual({mappings: [], constants: ['inv_freq', 'cos_cached'], unmapped: []})
})
