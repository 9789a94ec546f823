export {decodeModel} from './decode-model'
export {encodeModel, encodeModelParts} from './encode-model'
export {ATTRIBUTE_TYPES, TensorDataType} from './types'
export type {
  AttributeTypeName,
  Int64,
  OnnxAttribute,
  OnnxDim,
  OnnxExternalData,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxOpset,
  OnnxTensor,
  OnnxValueInfo,
  RawField,
} from './types'
