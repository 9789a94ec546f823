import {ProtoReader, type Int64, type RawField} from './proto-reader'
import {
  ATTRIBUTE_TYPES,
  type AttributeTypeName,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './types'

const ATTRIBUTE_NAMES = new Map<number, AttributeTypeName>(
  Object.entries(ATTRIBUTE_TYPES).map(([name, code]) => [code, name as AttributeTypeName]),
)

/**
 * Decodes an ONNX ModelProto. Tensor data (`rawData`) are views into `bytes`, not copies; fields
 * cmaam does not model (functions, training info, subgraph attributes, …) are kept as raw bytes in
 * `unknownFields`, so `encodeModel(decodeModel(b))` keeps them. `what` names the file in errors.
 */
export function decodeModel(bytes: Uint8Array, what = 'ONNX model'): OnnxModel {
  const reader = new ProtoReader(bytes, what)
  const model: OnnxModel = {irVersion: 0, opsetImport: [], graph: emptyGraph()}
  const unknown: RawField[] = []
  for (let tag = reader.next(); tag; tag = reader.next()) {
    switch (tag.field) {
      case 1:
        model.irVersion = reader.int()
        break
      case 2:
        model.producerName = reader.string()
        break
      case 3:
        model.producerVersion = reader.string()
        break
      case 4:
        model.domain = reader.string()
        break
      case 5:
        model.modelVersion = reader.int()
        break
      case 6:
        model.docString = reader.string()
        break
      case 7:
        model.graph = decodeGraph(reader.message())
        break
      case 8:
        model.opsetImport.push(decodeOpset(reader.message()))
        break
      case 14:
        model.metadataProps ??= []
        model.metadataProps.push(decodeEntry(reader.message()))
        break
      default:
        unknown.push(reader.skip(tag.wire, tag.field))
    }
  }
  if (unknown.length > 0) model.unknownFields = unknown
  return model
}

function emptyGraph(): OnnxGraph {
  return {name: '', node: [], initializer: [], input: [], output: []}
}

function decodeOpset(reader: ProtoReader): {domain: string; version: number} {
  const opset = {domain: '', version: 0}
  for (let tag = reader.next(); tag; tag = reader.next()) {
    if (tag.field === 1) opset.domain = reader.string()
    else if (tag.field === 2) opset.version = reader.int()
    else reader.skip(tag.wire, tag.field)
  }
  return opset
}

function decodeEntry(reader: ProtoReader): {key: string; value: string} {
  const entry = {key: '', value: ''}
  for (let tag = reader.next(); tag; tag = reader.next()) {
    if (tag.field === 1) entry.key = reader.string()
    else if (tag.field === 2) entry.value = reader.string()
    else reader.skip(tag.wire, tag.field)
  }
  return entry
}

function decodeGraph(reader: ProtoReader): OnnxGraph {
  const graph = emptyGraph()
  const unknown: RawField[] = []
  for (let tag = reader.next(); tag; tag = reader.next()) {
    switch (tag.field) {
      case 1:
        graph.node.push(decodeNode(reader.message()))
        break
      case 2:
        graph.name = reader.string()
        break
      case 5:
        graph.initializer.push(decodeTensor(reader.message()))
        break
      case 10:
        graph.docString = reader.string()
        break
      case 11:
        graph.input.push(decodeValueInfo(reader.message()))
        break
      case 12:
        graph.output.push(decodeValueInfo(reader.message()))
        break
      case 13:
        graph.valueInfo ??= []
        graph.valueInfo.push(decodeValueInfo(reader.message()))
        break
      default:
        unknown.push(reader.skip(tag.wire, tag.field))
    }
  }
  if (unknown.length > 0) graph.unknownFields = unknown
  return graph
}

function decodeNode(reader: ProtoReader): OnnxNode {
  const node: OnnxNode = {opType: '', input: [], output: []}
  const unknown: RawField[] = []
  for (let tag = reader.next(); tag; tag = reader.next()) {
    switch (tag.field) {
      case 1:
        node.input.push(reader.string())
        break
      case 2:
        node.output.push(reader.string())
        break
      case 3:
        node.name = reader.string()
        break
      case 4:
        node.opType = reader.string()
        break
      case 5:
        node.attribute ??= []
        node.attribute.push(decodeAttribute(reader.message()))
        break
      case 6:
        node.docString = reader.string()
        break
      case 7:
        node.domain = reader.string()
        break
      default:
        unknown.push(reader.skip(tag.wire, tag.field))
    }
  }
  if (unknown.length > 0) node.unknownFields = unknown
  return node
}

function decodeAttribute(reader: ProtoReader): OnnxAttribute {
  const attribute: OnnxAttribute = {name: '', type: 'float'}
  let typeCode = 0
  const unknown: RawField[] = []
  const ints: Int64[] = []
  const floats: number[] = []
  const strings: string[] = []
  for (let tag = reader.next(); tag; tag = reader.next()) {
    switch (tag.field) {
      case 1:
        attribute.name = reader.string()
        break
      case 2:
        attribute.f = reader.float()
        break
      case 3:
        attribute.i = reader.int64()
        break
      case 4:
        attribute.s = reader.string()
        break
      case 5:
        attribute.t = decodeTensor(reader.message())
        break
      case 7:
        reader.floats(tag.wire, floats)
        break
      case 8:
        reader.int64s(tag.wire, ints)
        break
      case 9:
        strings.push(reader.string())
        break
      case 13:
        attribute.docString = reader.string()
        break
      case 20:
        typeCode = reader.int()
        break
      default:
        unknown.push(reader.skip(tag.wire, tag.field))
    }
  }
  // Files from old exporters may omit `type`: infer it from the field that is set.
  const inferred =
    ATTRIBUTE_NAMES.get(typeCode) ??
    (attribute.t ? 'tensor' : attribute.s !== undefined ? 'string' : attribute.i !== undefined ? 'int' : ints.length > 0 ? 'ints' : floats.length > 0 ? 'floats' : strings.length > 0 ? 'strings' : 'float')
  attribute.type = inferred
  if (inferred === 'ints') attribute.ints = ints
  if (inferred === 'floats') attribute.floats = floats
  if (inferred === 'strings') attribute.strings = strings
  if (unknown.length > 0) attribute.unknownFields = unknown
  return attribute
}

/** Decodes a TensorProto message (an initializer, or a Constant's value). */
function decodeTensor(reader: ProtoReader): OnnxTensor {
  const tensor: OnnxTensor = {name: '', dims: [], dataType: 0}
  const unknown: RawField[] = []
  const dims: Int64[] = []
  let external: {key: string; value: string}[] | null = null
  let location = 0
  for (let tag = reader.next(); tag; tag = reader.next()) {
    switch (tag.field) {
      case 1:
        reader.int64s(tag.wire, dims)
        break
      case 2:
        tensor.dataType = reader.int()
        break
      case 4:
        tensor.floatData ??= []
        reader.floats(tag.wire, tensor.floatData)
        break
      case 8:
        tensor.name = reader.string()
        break
      case 9:
        tensor.rawData = reader.bytesField()
        break
      case 12:
        tensor.docString = reader.string()
        break
      case 13:
        external ??= []
        external.push(decodeEntry(reader.message()))
        break
      case 14:
        location = reader.int()
        break
      default:
        unknown.push(reader.skip(tag.wire, tag.field))
    }
  }
  tensor.dims = dims.map(Number)
  if (location === 1 && external) {
    const value = (key: string) => external!.find((entry) => entry.key === key)?.value
    tensor.externalData = {location: value('location') ?? ''}
    const offset = value('offset')
    const length = value('length')
    if (offset !== undefined) tensor.externalData.offset = Number(offset)
    if (length !== undefined) tensor.externalData.length = Number(length)
  }
  if (unknown.length > 0) tensor.unknownFields = unknown
  return tensor
}

function decodeValueInfo(reader: ProtoReader): OnnxValueInfo {
  const info: OnnxValueInfo = {name: ''}
  const unknown: RawField[] = []
  for (let tag = reader.next(); tag; tag = reader.next()) {
    if (tag.field === 1) info.name = reader.string()
    else if (tag.field === 2) decodeType(reader.message(), info)
    else if (tag.field === 3) info.docString = reader.string()
    else unknown.push(reader.skip(tag.wire, tag.field))
  }
  if (unknown.length > 0) info.unknownFields = unknown
  return info
}

function decodeType(reader: ProtoReader, info: OnnxValueInfo): void {
  const unknown: RawField[] = []
  for (let tag = reader.next(); tag; tag = reader.next()) {
    if (tag.field !== 1) {
      unknown.push(reader.skip(tag.wire, tag.field))
      continue
    }
    const tensorType = reader.message()
    for (let inner = tensorType.next(); inner; inner = tensorType.next()) {
      if (inner.field === 1) info.elemType = tensorType.int()
      else if (inner.field === 2) info.shape = decodeShape(tensorType.message())
      else tensorType.skip(inner.wire, inner.field)
    }
  }
  if (unknown.length > 0) info.typeUnknownFields = unknown
}

function decodeShape(reader: ProtoReader): OnnxDim[] {
  const shape: OnnxDim[] = []
  for (let tag = reader.next(); tag; tag = reader.next()) {
    if (tag.field !== 1) {
      reader.skip(tag.wire, tag.field)
      continue
    }
    const dim = reader.message()
    let value: OnnxDim = ''
    for (let inner = dim.next(); inner; inner = dim.next()) {
      if (inner.field === 1) value = dim.int()
      else if (inner.field === 2) value = dim.string()
      else dim.skip(inner.wire, inner.field)
    }
    shape.push(value)
  }
  return shape
}
