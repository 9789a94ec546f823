import {ProtoWriter} from './proto-writer'
import {
  ATTRIBUTE_TYPES,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './types'

/**
 * Encodes an ONNX model from a plain object: the entry point for writing .onnx files.
 *
 * ```ts
 * const bytes = encodeModel({
 *   irVersion: 8,
 *   opsetImport: [{domain: '', version: 17}],
 *   graph: {
 *     name: 'add', node: [{opType: 'Add', input: ['x', 'b'], output: ['y']}],
 *     initializer: [{name: 'b', dims: [2], dataType: TensorDataType.FLOAT, rawData: floatBytes}],
 *     input: [{name: 'x', elemType: TensorDataType.FLOAT, shape: ['batch', 2]}],
 *     output: [{name: 'y', elemType: TensorDataType.FLOAT, shape: ['batch', 2]}],
 *   },
 * })
 * ```
 *
 * Tensor data go in `rawData` (little-endian bytes) or, for a graph whose weights live in a
 * separate file, `externalData: {location, offset, length}`. Fields kept from `decodeModel`
 * (`unknownFields`) are written back unchanged. Returns one buffer; `encodeModelParts` returns
 * the same bytes as parts that reference the tensor data instead of copying it.
 */
export function encodeModel(model: OnnxModel): Uint8Array {
  return Buffer.concat(encodeModelParts(model))
}

/** `encodeModel` as a list of parts whose concatenation is the file (large tensor data are not copied). */
export function encodeModelParts(model: OnnxModel): Uint8Array[] {
  const writer = new ProtoWriter()
  writer.varint(1, model.irVersion)
  if (model.producerName !== undefined) writer.string(2, model.producerName)
  if (model.producerVersion !== undefined) writer.string(3, model.producerVersion)
  if (model.domain !== undefined) writer.string(4, model.domain)
  if (model.modelVersion !== undefined) writer.varint(5, model.modelVersion)
  if (model.docString !== undefined) writer.string(6, model.docString)
  writer.message(7, encodeGraph(model.graph))
  for (const opset of model.opsetImport) {
    const child = new ProtoWriter()
    child.string(1, opset.domain)
    child.varint(2, opset.version)
    writer.message(8, child)
  }
  for (const entry of model.metadataProps ?? []) writer.message(14, encodeEntry(entry.key, entry.value))
  writer.raw(model.unknownFields)
  return writer.finish()
}

function encodeEntry(key: string, value: string): ProtoWriter {
  const writer = new ProtoWriter()
  writer.string(1, key)
  writer.string(2, value)
  return writer
}

function encodeGraph(graph: OnnxGraph): ProtoWriter {
  const writer = new ProtoWriter()
  for (const node of graph.node) writer.message(1, encodeNode(node))
  writer.string(2, graph.name)
  for (const tensor of graph.initializer) writer.message(5, encodeTensor(tensor))
  if (graph.docString !== undefined) writer.string(10, graph.docString)
  for (const info of graph.input) writer.message(11, encodeValueInfo(info))
  for (const info of graph.output) writer.message(12, encodeValueInfo(info))
  for (const info of graph.valueInfo ?? []) writer.message(13, encodeValueInfo(info))
  writer.raw(graph.unknownFields)
  return writer
}

function encodeNode(node: OnnxNode): ProtoWriter {
  const writer = new ProtoWriter()
  for (const input of node.input) writer.string(1, input)
  for (const output of node.output) writer.string(2, output)
  if (node.name !== undefined) writer.string(3, node.name)
  writer.string(4, node.opType)
  for (const attribute of node.attribute ?? []) writer.message(5, encodeAttribute(attribute))
  if (node.docString !== undefined) writer.string(6, node.docString)
  if (node.domain !== undefined) writer.string(7, node.domain)
  writer.raw(node.unknownFields)
  return writer
}

function encodeAttribute(attribute: OnnxAttribute): ProtoWriter {
  const writer = new ProtoWriter()
  writer.string(1, attribute.name)
  if (attribute.f !== undefined) writer.float(2, attribute.f)
  if (attribute.i !== undefined) writer.varint(3, attribute.i)
  if (attribute.s !== undefined) writer.string(4, attribute.s)
  if (attribute.t !== undefined) writer.message(5, encodeTensor(attribute.t))
  for (const value of attribute.floats ?? []) writer.float(7, value)
  for (const value of attribute.ints ?? []) writer.varint(8, value)
  for (const value of attribute.strings ?? []) writer.string(9, value)
  if (attribute.docString !== undefined) writer.string(13, attribute.docString)
  writer.varint(20, ATTRIBUTE_TYPES[attribute.type])
  writer.raw(attribute.unknownFields)
  return writer
}

/** Encodes one TensorProto (exported for writers that stream initializers). */
function encodeTensor(tensor: OnnxTensor): ProtoWriter {
  const writer = new ProtoWriter()
  for (const dim of tensor.dims) writer.varint(1, dim)
  writer.varint(2, tensor.dataType)
  if (tensor.floatData && tensor.floatData.length > 0) {
    const packed = Buffer.allocUnsafe(tensor.floatData.length * 4)
    tensor.floatData.forEach((value, index) => packed.writeFloatLE(value, index * 4))
    writer.bytes(4, packed)
  }
  writer.string(8, tensor.name)
  if (tensor.rawData !== undefined) writer.bytes(9, tensor.rawData)
  if (tensor.docString !== undefined) writer.string(12, tensor.docString)
  if (tensor.externalData) {
    const {location, offset, length} = tensor.externalData
    writer.message(13, encodeEntry('location', location))
    if (offset !== undefined) writer.message(13, encodeEntry('offset', String(offset)))
    if (length !== undefined) writer.message(13, encodeEntry('length', String(length)))
    writer.varint(14, 1)
  }
  writer.raw(tensor.unknownFields)
  return writer
}

function encodeValueInfo(info: OnnxValueInfo): ProtoWriter {
  const writer = new ProtoWriter()
  writer.string(1, info.name)
  if (info.elemType !== undefined || info.shape !== undefined || info.typeUnknownFields) {
    const type = new ProtoWriter()
    if (info.elemType !== undefined || info.shape !== undefined) {
      const tensorType = new ProtoWriter()
      if (info.elemType !== undefined) tensorType.varint(1, info.elemType)
      if (info.shape !== undefined) {
        const shape = new ProtoWriter()
        for (const dim of info.shape) {
          const dimension = new ProtoWriter()
          if (typeof dim === 'number') dimension.varint(1, dim)
          else if (dim !== '') dimension.string(2, dim)
          shape.message(1, dimension)
        }
        tensorType.message(2, shape)
      }
      type.message(1, tensorType)
    }
    type.raw(info.typeUnknownFields)
    writer.message(2, type)
  }
  if (info.docString !== undefined) writer.string(3, info.docString)
  writer.raw(info.unknownFields)
  return writer
}
