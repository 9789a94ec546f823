import type {Int64, RawField} from './proto-reader'

export type {Int64, RawField} from './proto-reader'

/** TensorProto.DataType codes used by cmaam (the values are ONNX's). */
export const TensorDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const

/** AttributeProto.AttributeType, by the name ONNX gives it (lower case). */
export const ATTRIBUTE_TYPES = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  graph: 5,
  floats: 6,
  ints: 7,
  strings: 8,
  tensors: 9,
  graphs: 10,
  sparse_tensor: 11,
  sparse_tensors: 12,
  type_proto: 13,
  type_protos: 14,
} as const
export type AttributeTypeName = keyof typeof ATTRIBUTE_TYPES

/** Fields of a decoded message that cmaam does not model, kept byte for byte. */
interface Unknown {
  unknownFields?: RawField[]
}

/** Where a tensor's bytes live outside the .onnx file (ONNX external data; `location` is relative to the model). */
export interface OnnxExternalData {
  location: string
  /** Byte offset in the file; 0 when absent. */
  offset?: number
  /** Byte length; the rest of the file when absent. */
  length?: number
}

/** TensorProto. Data is `rawData` (little-endian), `externalData`, or (read only) `floatData`. */
export interface OnnxTensor extends Unknown {
  name: string
  dims: number[]
  /** A TensorDataType code. */
  dataType: number
  rawData?: Uint8Array
  externalData?: OnnxExternalData
  floatData?: number[]
  docString?: string
}

/** AttributeProto. The value field that matches `type` is set; other kinds (graphs…) stay in `unknownFields`. */
export interface OnnxAttribute extends Unknown {
  name: string
  type: AttributeTypeName
  f?: number
  i?: Int64
  s?: string
  t?: OnnxTensor
  floats?: number[]
  ints?: Int64[]
  strings?: string[]
  docString?: string
}

export interface OnnxNode extends Unknown {
  name?: string
  opType: string
  /** The operator set domain: '' (or absent) for ai.onnx, 'com.microsoft' for onnxruntime contrib ops. */
  domain?: string
  input: string[]
  output: string[]
  attribute?: OnnxAttribute[]
  docString?: string
}

/** One dimension: a fixed size or a symbolic name ('batch_size'). */
export type OnnxDim = number | string

/** ValueInfoProto of a tensor: its element type and shape (`shape` absent = unknown rank). */
export interface OnnxValueInfo extends Unknown {
  name: string
  /** A TensorDataType code. */
  elemType?: number
  shape?: OnnxDim[]
  docString?: string
  /** Unmodelled fields of TypeProto (e.g. sequence types). */
  typeUnknownFields?: RawField[]
}

export interface OnnxGraph extends Unknown {
  name: string
  node: OnnxNode[]
  initializer: OnnxTensor[]
  input: OnnxValueInfo[]
  output: OnnxValueInfo[]
  valueInfo?: OnnxValueInfo[]
  docString?: string
}

export interface OnnxOpset {
  /** '' for the default ai.onnx domain. */
  domain: string
  version: number
}

/** ModelProto as a plain object: what `encodeModel` writes and `decodeModel` returns. */
export interface OnnxModel extends Unknown {
  irVersion: number
  opsetImport: OnnxOpset[]
  producerName?: string
  producerVersion?: string
  domain?: string
  modelVersion?: number
  docString?: string
  metadataProps?: {key: string; value: string}[]
  graph: OnnxGraph
}
