import {blockLanczosSingularValues} from './linalg/block-lanczos-singular-values'
import {denseSingularValues} from './linalg/dense-singular-values'
import {createRandom} from './random'

export interface TopSingularValuesOptions {
  /** Seeds the Krylov start block (and any restart vectors); same input and seed → identical bits. Default 0. */
  seed?: number
  /**
   * Target relative accuracy: the Krylov run stops once each value's error bound (its Ritz residual,
   * sharpened by the gap to its neighbours) is below tolerance·value. Default 1e-7; actual errors are
   * usually far smaller. The dense path is exact regardless.
   */
  tolerance?: number
}

/** Matrices whose smaller side is at most this (or at most 4k) go straight to the dense method. */
const DENSE_SIDE = 64

/** Largest rows·cols·min(rows, cols) for which the dense method redoes a suspicious Krylov result (seconds). */
const DENSE_RECHECK = 1e9

/**
 * The k largest singular values, descending, of the row-major rows×cols float32 `matrix`
 * (k ≤ min(rows, cols)), computed in float64. Large matrices use block Golub–Kahan–Lanczos with full
 * reorthogonalization, stopped on Ritz residual bounds (accurate also for the clustered top of a flat,
 * noise-like spectrum). Small ones, Krylov runs that would fill the whole space, and (up to a size)
 * results showing a singular value repeated exactly 4 times or more go to a dense bidiagonalization.
 * Rank deficiency gives values that are 0 up to rounding; the zero matrix exact zeros. Entries must be
 * finite; the result never holds NaN.
 */
export function topSingularValues(
  matrix: Float32Array,
  rows: number,
  cols: number,
  k: number,
  options: TopSingularValuesOptions = {},
): Float64Array {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`topSingularValues: bad shape ${rows}×${cols}`)
  }
  if (matrix.length !== rows * cols) {
    throw new RangeError(`topSingularValues: ${matrix.length} values for a ${rows}×${cols} matrix`)
  }
  const side = Math.min(rows, cols)
  if (!Number.isInteger(k) || k < 0 || k > side) throw new RangeError(`topSingularValues: k = ${k} outside 0…${side}`)
  const tolerance = options.tolerance ?? 1e-7
  if (!(tolerance > 0 && tolerance < 1)) throw new RangeError(`topSingularValues: tolerance ${tolerance} outside (0, 1)`)

  let squares = 0
  for (let i = 0; i < matrix.length; i++) squares += matrix[i] * matrix[i]
  if (!Number.isFinite(squares)) throw new RangeError('topSingularValues: the matrix has a NaN or infinite entry')
  if (k === 0 || squares === 0) return new Float64Array(k)

  if (side <= Math.max(DENSE_SIDE, 4 * k)) return denseSingularValues(matrix, rows, cols, k)
  const values = blockLanczosSingularValues(matrix, rows, cols, k, {
    random: createRandom(options.seed ?? 0, 'top-singular-values'),
    tolerance,
    // Rounding in a product with A is about ε·‖A‖_F·√n: a Krylov column below a comfortable multiple
    // of that carries no information.
    breakdownNorm: 1e-12 * Math.sqrt(squares),
  })
  if (values === undefined || (saturatedCluster(values) && rows * cols * side <= DENSE_RECHECK)) {
    return denseSingularValues(matrix, rows, cols, k)
  }
  return values
}

/**
 * Whether 4 or more of the values are equal to rounding and nonzero. A Krylov run with blocks of 4 sees
 * at most 4 copies of an exactly repeated singular value (exact structure such as a diagonal matrix;
 * float32 rounding splits the copies of any less tidy matrix), so such a result may be missing copies.
 */
function saturatedCluster(values: Float64Array): boolean {
  for (let i = 0; i + 3 < values.length; i++) {
    if (values[i] > 1e-9 * values[0] && values[i] - values[i + 3] <= 1e-12 * values[i]) return true
  }
  return false
}
