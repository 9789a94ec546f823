import type {Device} from './device/device'
import {blockLanczosSingularValues} from './linalg/block-lanczos-singular-values'
import {denseSingularValues} from './linalg/dense-singular-values'
import {onnxKrylovProducts} from './onnx-krylov-products'
import {createRandom} from './random'

export interface TopSingularValuesOptions {
  /** Seeds the Krylov start block (and any restart vectors); same input and seed → identical bits. Default 0. */
  seed?: number
  /**
   * Target relative accuracy: the Krylov run stops once each value's error bound (its Ritz residual,
   * sharpened by the gap to its neighbours) is below tolerance·value, or below FLOAT32_FLOOR·σ_max.
   * Default 1e-5. The dense path is exact regardless.
   */
  tolerance?: number
  /** Where the products with the matrix run (onnxruntime execution provider). Default 'cpu'. */
  device?: Device
}

/** Matrices whose smaller side is at most this (or at most 4k) go straight to the dense method. */
const DENSE_SIDE = 64

/** Vectors per Krylov block: a product with 16 vectors runs near onnxruntime's peak rate. */
const BLOCK_WIDTH = 16

/**
 * The products with A run in float32, so computed values carry errors of a few ε₃₂·σ_max whatever
 * the Ritz residuals say: bounds below 16·ε₃₂·σ_max count as converged.
 */
const FLOAT32_FLOOR = 2 ** -20

/** Largest rows·cols·min(rows, cols) for which the dense method redoes a suspicious Krylov result (seconds). */
const DENSE_RECHECK = 1e9

/**
 * The k largest singular values, descending, of the row-major rows×cols float32 `matrix`
 * (k ≤ min(rows, cols)). Large matrices use block Golub–Kahan–Lanczos with full reorthogonalization
 * in float64 and the products with the matrix in float32 on onnxruntime, stopped on Ritz residual
 * bounds (accurate also for the clustered top of a flat, noise-like spectrum): values within
 * `tolerance` relative, or a few ε₃₂·σ_max for values far below σ_max. Small matrices, Krylov runs that
 * would fill the whole space, and (up to a size) results showing a singular value repeated exactly
 * BLOCK_WIDTH times or more go to a dense bidiagonalization in float64. Rank deficiency gives values
 * that are 0 up to rounding; the zero matrix exact zeros. Entries must be finite; the result never
 * holds NaN.
 */
export async function topSingularValues(
  matrix: Float32Array,
  rows: number,
  cols: number,
  k: number,
  options: TopSingularValuesOptions = {},
): Promise<Float64Array> {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`topSingularValues: bad shape ${rows}×${cols}`)
  }
  if (matrix.length !== rows * cols) {
    throw new RangeError(`topSingularValues: ${matrix.length} values for a ${rows}×${cols} matrix`)
  }
  const side = Math.min(rows, cols)
  if (!Number.isInteger(k) || k < 0 || k > side) throw new RangeError(`topSingularValues: k = ${k} outside 0…${side}`)
  const tolerance = options.tolerance ?? 1e-5
  if (!(tolerance > 0 && tolerance < 1)) throw new RangeError(`topSingularValues: tolerance ${tolerance} outside (0, 1)`)

  let squares = 0
  for (let i = 0; i < matrix.length; i++) squares += matrix[i] * matrix[i]
  if (!Number.isFinite(squares)) throw new RangeError('topSingularValues: the matrix has a NaN or infinite entry')
  if (k === 0 || squares === 0) return new Float64Array(k)

  if (side <= Math.max(DENSE_SIDE, 4 * k)) return denseSingularValues(matrix, rows, cols, k)
  const products = await onnxKrylovProducts(matrix, rows, cols, options.device ?? 'cpu')
  const values = await blockLanczosSingularValues(rows, cols, k, products, {
    random: createRandom(options.seed ?? 0, 'top-singular-values'),
    width: BLOCK_WIDTH,
    tolerance,
    floor: FLOAT32_FLOOR,
    // A float32 product with A is off by about ε₃₂·‖A‖_F: a Krylov vector below a small multiple of
    // that carries no information.
    breakdownNorm: 2 ** -20 * Math.sqrt(squares),
  })
  if (values === undefined || (saturatedCluster(values) && rows * cols * side <= DENSE_RECHECK)) {
    return denseSingularValues(matrix, rows, cols, k)
  }
  return values
}

/**
 * Whether BLOCK_WIDTH or more of the values are equal to rounding and nonzero. A Krylov run with blocks
 * of that width sees at most that many copies of an exactly repeated singular value (exact structure
 * such as a diagonal matrix; float32 rounding splits the copies of any less tidy matrix), so such a
 * result may be missing copies.
 */
function saturatedCluster(values: Float64Array): boolean {
  const last = BLOCK_WIDTH - 1
  for (let i = 0; i + last < values.length; i++) {
    if (values[i] > FLOAT32_FLOOR * values[0] && values[i] - values[i + last] <= FLOAT32_FLOOR * values[i]) return true
  }
  return false
}
