// A generated ONNX template for the bench pair, named the way PyTorch's exporter names a Qwen2-VL
// export (see docs/onnx.md): `embed_tokens` (module-relative `weight`), `vision_encoder`
// (module-relative names, Gemm with transB=1) and `decoder_model_merged` (transposed
// `onnx::MatMul_N` read by module-path nodes, or MatMulNBits in q4, and a tied lm_head). Only the
// initializers matter for `onnx apply`, so each weight is read by one node and the data is zeros,
// streamed into external data files.
'use strict'
const {closeSync, mkdirSync, openSync, writeFileSync, writeSync} = require('node:fs')
const {join} = require('node:path')
const {encodeModel, TensorDataType: T} = require('../dist/io/onnx-proto')

const ZEROS = Buffer.alloc(1 << 22)
const BLOCK = 32

/** Writes `onnx/{embed_tokens,vision_encoder,decoder_model_merged}{suffix}.onnx` and their `.onnx_data` into `dir`. */
function writeBenchTemplate(dir, tensors, precision) {
  const suffix = precision === 'q4' ? '_q4' : ''
  mkdirSync(join(dir, 'onnx'), {recursive: true})
  writeFileSync(join(dir, 'config.json'), JSON.stringify({model_type: 'qwen2_vl', tie_word_embeddings: true}))
  const embed = tensors.find((t) => t.name === 'model.embed_tokens.weight')
  const scope = (module) => module.replace(/\.(?=[a-z_])/g, '/')
  const sessions = {
    embed_tokens: [{name: 'weight', dims: embed.shape, node: {opType: 'Gather', name: '/Gather', at: 0}}],
    vision_encoder: [],
    decoder_model_merged: [],
  }
  let id = 1000
  for (const t of tensors) {
    const module = t.name.replace(/\.(weight|bias)$/, '')
    if (t.name.startsWith('visual.')) {
      const local = t.name.slice('visual.'.length)
      const op = t.shape.length === 2 ? 'Gemm' : t.shape.length > 2 ? 'Conv' : 'Add'
      sessions.vision_encoder.push({name: local, dims: t.shape, node: {opType: op, name: `/${scope(local.replace(/\.(weight|bias)$/, ''))}/${op}`, at: 1, transB: op === 'Gemm'}})
    } else if (t.name !== 'model.embed_tokens.weight') {
      if (t.shape.length === 2) sessions.decoder_model_merged.push(linear(`onnx::MatMul_${id++}`, t.shape, `/${scope(module)}/MatMul`, precision))
      else sessions.decoder_model_merged.push({name: t.name, dims: t.shape, node: {opType: 'Mul', name: `/${scope(module)}/Mul`, at: 1}})
    }
  }
  sessions.decoder_model_merged.push(linear(`onnx::MatMul_${id++}`, embed.shape, '/lm_head/MatMul', precision))

  for (const [session, entries] of Object.entries(sessions)) {
    const file = `${session}${suffix}.onnx`
    const location = `${file}_data`
    const fd = openSync(join(dir, 'onnx', location), 'w')
    let offset = 0
    const initializer = []
    const node = []
    for (const entry of entries) {
      for (const tensor of entry.tensors ?? [{name: entry.name, dims: entry.dims, dataType: T.FLOAT, bytes: 4 * entry.dims.reduce((a, b) => a * b, 1)}]) {
        initializer.push({name: tensor.name, dims: tensor.dims, dataType: tensor.dataType, externalData: {location, offset, length: tensor.bytes}})
        for (let left = tensor.bytes; left > 0; left -= ZEROS.length) writeSync(fd, ZEROS, 0, Math.min(left, ZEROS.length))
        offset += tensor.bytes
      }
      const {opType, name, at, transB, domain, attribute} = entry.node
      const input = entry.node.inputs ?? (at === 0 ? [entry.name, 'x'] : ['x', entry.name])
      node.push({name, opType, domain, input, output: [`${name}_output_0`], attribute: attribute ?? (transB ? [{name: 'transB', type: 'int', i: 1}] : [])})
    }
    closeSync(fd)
    const model = {
      irVersion: 8,
      opsetImport: [{domain: '', version: 17}, {domain: 'com.microsoft', version: 1}],
      producerName: 'cmaam bench',
      graph: {name: session, node, initializer, input: [{name: 'x', elemType: T.FLOAT}], output: node.slice(-1).map((n) => ({name: n.output[0], elemType: T.FLOAT}))},
    }
    writeFileSync(join(dir, 'onnx', file), encodeModel(model))
  }
}

/** A Linear weight on 3-D activations: a transposed float MatMul weight, or MatMulNBits (4-bit, zero points) in q4. */
function linear(name, [N, K], nodeName, precision) {
  if (precision !== 'q4') return {name, dims: [K, N], node: {opType: 'MatMul', name: nodeName, at: 1}}
  const blocks = Math.ceil(K / BLOCK)
  const ints = (key, value) => ({name: key, type: 'int', i: value})
  return {
    name: `${name}_Q4`,
    tensors: [
      {name: `${name}_Q4`, dims: [N, blocks, BLOCK / 2], dataType: T.UINT8, bytes: N * blocks * (BLOCK / 2)},
      {name: `${name}_scales`, dims: [N * blocks], dataType: T.FLOAT, bytes: 4 * N * blocks},
      {name: `${name}_zero_points`, dims: [N * Math.ceil(blocks / 2)], dataType: T.UINT8, bytes: N * Math.ceil(blocks / 2)},
    ],
    node: {
      opType: 'MatMulNBits',
      domain: 'com.microsoft',
      name: `${nodeName}_Q4`,
      inputs: ['x', `${name}_Q4`, `${name}_scales`, `${name}_zero_points`],
      attribute: [ints('K', K), ints('N', N), ints('bits', 4), ints('block_size', BLOCK)],
    },
  }
}

module.exports = {writeBenchTemplate}
