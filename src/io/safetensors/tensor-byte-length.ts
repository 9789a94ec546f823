import {type DType, dtypeSize} from '../dtype'

/**
 * Bytes a tensor of this dtype and shape occupies. Not a safe integer when the shape is absurd:
 * once the product passes 2^53 it can only grow (or become 0 exactly when a dimension is 0).
 */
export function tensorByteLength(dtype: DType, shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, dtypeSize(dtype))
}
