import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import * as ort from 'onnxruntime-node'
import {decodeModel, encodeModel, TensorDataType, type OnnxModel} from '../../src/io/onnx-proto'
import {useTempDir} from '../helpers/temp-dir'

const floatBytes = (values: number[]) => new Uint8Array(new Float32Array(values).buffer)

/** y = Gemm(x, W, b, transB=1) + Identity(W2 · ...) : a graph with the features cmaam reads and writes. */
function tinyModel(): OnnxModel {
  return {
    irVersion: 8,
    opsetImport: [{domain: '', version: 17}],
    producerName: 'cmaam-test',
    producerVersion: '1',
    metadataProps: [{key: 'purpose', value: 'codec test'}],
    graph: {
      name: 'tiny',
      node: [
        {name: '/fc/Gemm', opType: 'Gemm', input: ['x', 'fc.weight', 'fc.bias'], output: ['h'], attribute: [
          {name: 'alpha', type: 'float', f: 1},
          {name: 'beta', type: 'float', f: 1},
          {name: 'transB', type: 'int', i: 1},
        ]},
        {name: '/proj/MatMul', opType: 'MatMul', input: ['h', 'onnx::MatMul_7'], output: ['p']},
        {name: 'twin', opType: 'Identity', input: ['fc.bias'], output: ['bias_twin']},
        {name: '/Add', opType: 'Add', input: ['p', 'bias_twin'], output: ['q']},
        {name: '/ReduceSum', opType: 'ReduceSum', input: ['q', 'axes'], output: ['s'], attribute: [{name: 'keepdims', type: 'int', i: 1}]},
        {name: '/Constant', opType: 'Constant', input: [], output: ['c'], attribute: [
          {name: 'value', type: 'tensor', t: {name: '', dims: [1], dataType: TensorDataType.FLOAT, rawData: floatBytes([0.5])}},
        ]},
        {name: '/Mul', opType: 'Mul', input: ['s', 'c'], output: ['y']},
        {name: '/Transpose', opType: 'Transpose', input: ['q'], output: ['qt'], attribute: [{name: 'perm', type: 'ints', ints: [1, 0]}]},
        {name: '/LeakyRelu', opType: 'LeakyRelu', input: ['qt'], output: ['z'], attribute: [{name: 'alpha', type: 'float', f: 0.25}]},
      ],
      initializer: [
        {name: 'fc.weight', dims: [2, 3], dataType: TensorDataType.FLOAT, rawData: floatBytes([1, 2, 3, 4, 5, 6])},
        {name: 'fc.bias', dims: [2], dataType: TensorDataType.FLOAT, rawData: floatBytes([0.5, -1])},
        {name: 'onnx::MatMul_7', dims: [2, 2], dataType: TensorDataType.FLOAT, rawData: floatBytes([1, -1, 2, 0])},
        {name: 'axes', dims: [1], dataType: TensorDataType.INT64, rawData: new Uint8Array(new BigInt64Array([-1n]).buffer)},
      ],
      input: [{name: 'x', elemType: TensorDataType.FLOAT, shape: ['batch', 3]}],
      output: [
        {name: 'y', elemType: TensorDataType.FLOAT, shape: ['batch', 1]},
        {name: 'z', elemType: TensorDataType.FLOAT, shape: [2, 'batch']},
      ],
      valueInfo: [{name: 'h', elemType: TensorDataType.FLOAT, shape: ['batch', 2]}],
    },
  }
}

/** The tiny model's outputs, computed by hand in plain JS. */
function expected(x: number[][]): {y: number[]; z: number[][]} {
  const w = [[1, 2, 3], [4, 5, 6]]
  const b = [0.5, -1]
  const m = [[1, -1], [2, 0]]
  const q = x.map((row) => {
    const h = w.map((wRow, o) => wRow.reduce((sum, v, i) => sum + v * row[i], 0) + b[o])
    return [0, 1].map((o) => h[0] * m[0][o] + h[1] * m[1][o] + b[o])
  })
  const y = q.map((row) => (row[0] + row[1]) * 0.5)
  const z = [0, 1].map((o) => q.map((row) => (row[o] < 0 ? 0.25 * row[o] : row[o])))
  return {y, z}
}

describe('ONNX protobuf codec', () => {
  const tmp = useTempDir()

  test('an encoded model loads and runs in onnxruntime-node with the expected outputs', async () => {
    const path = join(tmp(), 'tiny.onnx')
    writeFileSync(path, encodeModel(tinyModel()))
    const session = await ort.InferenceSession.create(path)
    expect(session.inputNames).toEqual(['x'])
    expect(session.outputNames).toEqual(['y', 'z'])
    const x = [[1, 0, -1], [0.5, 2, 1]]
    const result = await session.run({x: new ort.Tensor('float32', Float32Array.from(x.flat()), [2, 3])})
    const want = expected(x)
    expect(Array.from(result.y.data as Float32Array)).toEqual(want.y)
    expect(result.z.dims).toEqual([2, 2])
    expect(Array.from(result.z.data as Float32Array)).toEqual(want.z.flat())
  })

  test('decode returns the plain object that was encoded, and re-encoding is byte-identical', () => {
    const model = tinyModel()
    const bytes = encodeModel(model)
    const decoded = decodeModel(bytes)
    expect(decoded.irVersion).toBe(8)
    expect(decoded.opsetImport).toEqual([{domain: '', version: 17}])
    expect(decoded.metadataProps).toEqual([{key: 'purpose', value: 'codec test'}])
    expect(decoded.graph.input).toEqual(model.graph.input)
    expect(decoded.graph.output).toEqual(model.graph.output)
    expect(decoded.graph.valueInfo).toEqual(model.graph.valueInfo)
    expect(decoded.graph.node.map((node) => node.attribute ?? [])).toEqual(model.graph.node.map((node) => node.attribute ?? []))
    expect(decoded.graph.initializer.map((tensor) => [tensor.name, tensor.dims, tensor.dataType, Buffer.from(tensor.rawData!)])).toEqual(
      model.graph.initializer.map((tensor) => [tensor.name, tensor.dims, tensor.dataType, Buffer.from(tensor.rawData!)]),
    )
    expect(Buffer.from(encodeModel(decoded)).equals(Buffer.from(bytes))).toBe(true)
  })

  test('fields cmaam does not model survive decode and encode byte for byte', () => {
    const bytes = Buffer.from(encodeModel(tinyModel()))
    // Append fields unknown to the codec: a varint (field 99) and a length-delimited one (field 100)
    // at model level, as a newer ONNX might add.
    const extra = Buffer.from([0x98, 0x06, 0x2a, 0xa2, 0x06, 0x03, 0x61, 0x62, 0x63])
    const withExtra = Buffer.concat([bytes, extra])
    const decoded = decodeModel(withExtra)
    expect(decoded.unknownFields?.map((field) => field.field)).toEqual([99, 100])
    expect(Buffer.from(encodeModel(decoded)).equals(withExtra)).toBe(true)
  })

  test('int64 attributes beyond 2^53 and negative values round-trip', () => {
    const model = tinyModel()
    model.graph.node[0].attribute!.push({name: 'big', type: 'ints', ints: [9223372036854775807n, -1, -(2n ** 60n)]})
    const decoded = decodeModel(encodeModel(model))
    expect(decoded.graph.node[0].attribute![3].ints).toEqual([9223372036854775807n, -1, -(2n ** 60n)])
  })

  test('initializers can be replaced, and external data references are written and read', async () => {
    const model = tinyModel()
    const weights = floatBytes([6, 5, 4, 3, 2, 1])
    writeFileSync(join(tmp(), 'tiny.onnx_data'), Buffer.concat([Buffer.alloc(16), weights]))
    model.graph.initializer = model.graph.initializer.map((tensor) =>
      tensor.name === 'fc.weight' ? {name: tensor.name, dims: tensor.dims, dataType: tensor.dataType, externalData: {location: 'tiny.onnx_data', offset: 16, length: 24}} : tensor,
    )
    const path = join(tmp(), 'tiny.onnx')
    writeFileSync(path, encodeModel(model))
    expect(decodeModel(encodeModel(model)).graph.initializer[0].externalData).toEqual({location: 'tiny.onnx_data', offset: 16, length: 24})
    const session = await ort.InferenceSession.create(path)
    const result = await session.run({x: new ort.Tensor('float32', Float32Array.from([1, 0, 0]), [1, 3])})
    // h = [6 + 0.5, 3 - 1]; q = [6.5·1 + 2·2 + 0.5, 6.5·(-1) + 0 - 1]; y = (q0 + q1) / 2
    expect(Array.from(result.y.data as Float32Array)).toEqual([(11 - 7.5) * 0.5])
  })

  test('a truncated file is a one-line error naming it', () => {
    const bytes = encodeModel(tinyModel())
    expect(() => decodeModel(bytes.subarray(0, bytes.length - 5), 'onnx/model.onnx')).toThrow(/onnx\/model\.onnx is not a valid ONNX protobuf/)
  })
})
