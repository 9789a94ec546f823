import type {FloatDType} from '../io/dtype'
import {TensorDataType} from '../io/onnx-proto/types'

const FLOAT_TYPES: Record<number, FloatDType> = {
  [TensorDataType.FLOAT]: 'F32',
  [TensorDataType.FLOAT16]: 'F16',
  [TensorDataType.BFLOAT16]: 'BF16',
  [TensorDataType.DOUBLE]: 'F64',
}

const SIZES: Record<number, number> = {
  [TensorDataType.FLOAT]: 4,
  [TensorDataType.UINT8]: 1,
  [TensorDataType.INT8]: 1,
  [TensorDataType.UINT16]: 2,
  [TensorDataType.INT16]: 2,
  [TensorDataType.INT32]: 4,
  [TensorDataType.INT64]: 8,
  [TensorDataType.BOOL]: 1,
  [TensorDataType.FLOAT16]: 2,
  [TensorDataType.DOUBLE]: 8,
  [TensorDataType.UINT32]: 4,
  [TensorDataType.UINT64]: 8,
  [TensorDataType.BFLOAT16]: 2,
}

/** The float format of an ONNX data type, or null for integer and other types. */
export function floatDtypeOf(dataType: number): FloatDType | null {
  return FLOAT_TYPES[dataType] ?? null
}

/** Bytes per element of an ONNX data type with a fixed size, or null (strings, 4-bit types). */
export function elementSize(dataType: number): number | null {
  return SIZES[dataType] ?? null
}

/** Readable name of an ONNX data type for messages and reports. */
export function dataTypeName(dataType: number): string {
  const entry = Object.entries(TensorDataType).find(([, code]) => code === dataType)
  return entry ? entry[0].toLowerCase() : `type ${dataType}`
}

export function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1)
}
