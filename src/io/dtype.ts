/** Safetensors dtypes, their element sizes, and which of them cmaam merges arithmetically. */
export const DTYPE_SIZES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
} as const

export type DType = keyof typeof DTYPE_SIZES

/** Float dtypes that are merged; every other dtype (integers, bool, F8) passes through untouched. */
export type FloatDType = 'F64' | 'F32' | 'F16' | 'BF16'

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZES, value)
}

export function isFloatDType(dtype: DType): dtype is FloatDType {
  return dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16'
}

export function dtypeSize(dtype: DType): number {
  return DTYPE_SIZES[dtype]
}
