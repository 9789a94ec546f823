import type {FloatDType} from '../io/dtype'

const NAMES: Record<FloatDType, string> = {BF16: 'bfloat16', F16: 'float16', F32: 'float32', F64: 'float64'}

/** The `torch_dtype` value transformers writes into config.json for a safetensors dtype. */
export function torchDtypeName(dtype: FloatDType): string {
  return NAMES[dtype]
}
