import type {Random} from '../random'
import {blockBidiagonalRitz} from './block-bidiagonal-ritz'
import {orthonormalizeBlock} from './orthonormalize-block'
import {transposeMatrix} from './transpose-matrix'
import {transposeTimesBlock} from './transpose-times-block'

export interface BlockLanczosOptions {
  random: Random
  /** Stop when every wanted value's error bound is at most tolerance·θ (or its residual is below the zero floor). */
  tolerance: number
  /** A Krylov column whose new part is at most this is taken to lie in the span already (≈ ε·‖A‖). */
  breakdownNorm: number
}

/** Residuals below this fraction of the largest Ritz value count as converged: values that small are 0. */
const ZERO_FLOOR = 1e-12

/** Ritz values beyond the wanted ones whose residuals bound the gap below the last wanted value. */
const NEIGHBOURS = 4

/**
 * The `count` largest singular values of the row-major rows×cols matrix `a` by block Golub–Kahan–Lanczos
 * bidiagonalization with blocks of 4 and full reorthogonalization, without restarts:
 *   A·V_j = U_{j−1}·S_jᵀ + U_j·R_j,   Aᵀ·U_j = V_j·R_jᵀ + V_{j+1}·S_{j+1}.
 * Blocks of 4 make the products with A (the dominant cost) two to three times as fast per vector as
 * single vectors, for 10–15 % more vectors on flat spectra, and they find up to 4 copies of a repeated
 * singular value where a single-vector run finds one. Convergence is judged on error bounds from the Ritz
 * residuals; checks are spaced by their cost and by the observed rate of convergence. Returns undefined
 * when the Krylov space would fill the smaller dimension before converging (a dense method is then
 * cheaper).
 */
export function blockLanczosSingularValues(
  a: Float32Array,
  rows: number,
  cols: number,
  count: number,
  options: BlockLanczosOptions,
): Float64Array | undefined {
  const {random, tolerance, breakdownNorm} = options
  const room = Math.min(rows, cols)
  // A·V runs as (Aᵀ)ᵀ·V: the kernel for transposed products is the fast one.
  const at = transposeMatrix(a, rows, cols)
  const us: Float64Array[] = []
  const vs: Float64Array[] = []
  const rs: Float64Array[] = []
  const ss: Float64Array[] = []

  const first = new Float64Array(4 * cols)
  for (let i = 0; i < first.length; i++) first[i] = random.next() - 0.5
  orthonormalizeBlock(first, cols, vs, new Float64Array(16), breakdownNorm, random)
  vs.push(first)

  let nextCheck = count + 8
  let previous: {dims: number; ratio: number} | undefined
  for (let j = 0; ; j++) {
    const u = new Float64Array(4 * rows)
    transposeTimesBlock(at, cols, rows, vs[j], u)
    if (j > 0) subtractTimesTranspose(u, us[j - 1], ss[j - 1], rows)
    const r = new Float64Array(16)
    orthonormalizeBlock(u, rows, us, r, breakdownNorm, random)
    us.push(u)
    rs.push(r)

    const v = new Float64Array(4 * cols)
    transposeTimesBlock(a, rows, cols, u, v)
    subtractTimesTranspose(v, vs[j], r, cols)
    const s = new Float64Array(16)
    orthonormalizeBlock(v, cols, vs, s, breakdownNorm, random)
    vs.push(v)
    ss.push(s)

    const dims = 4 * (j + 1)
    // Another step must leave room on the short side for random replacement columns.
    const full = dims + 12 > room
    if (dims < nextCheck && !full) continue
    const {values, residuals} = blockBidiagonalRitz(rs, ss, count + NEIGHBOURS)
    const ratio = convergenceRatio(values, residuals, count, tolerance)
    if (ratio <= 1) return values.slice(0, count)
    if (full) return undefined
    nextCheck = dims + checkSpacing(dims, ratio, previous, rows, cols, count)
    previous = {dims, ratio}
  }
}

/**
 * max over the wanted values of (error bound)/(tolerance·θ); ≤ 1 means converged. Each interval
 * θ_j ± r_j holds a singular value, so if the intervals of the other Ritz values stay a distance g away
 * from θ_i, its error is at most min(r_i, r_i²/g) (Kato–Temple); on clustered spectra that is far
 * smaller than r_i and saves 10–15 % of the products. Overlapping intervals fall back to r_i.
 */
function convergenceRatio(values: Float64Array, residuals: Float64Array, count: number, tolerance: number): number {
  const floor = ZERO_FLOOR * values[0]
  let ratio = 0
  for (let i = 0; i < count; i++) {
    let gap = Infinity
    for (let j = 0; j < values.length; j++) {
      const distance = (values[i] > values[j] ? values[i] - values[j] : values[j] - values[i]) - residuals[j]
      if (j !== i && distance < gap) gap = distance
    }
    const r = residuals[i]
    if (r <= floor) continue
    const bound = gap > 0 ? Math.min(r, (r * r) / gap) : r
    ratio = Math.max(ratio, bound / (tolerance * values[i]))
  }
  return ratio
}

/** target −= block·Mᵀ for interleaved length×4 blocks and a row-major 4×4 M. */
function subtractTimesTranspose(target: Float64Array, block: Float64Array, m: Float64Array, length: number): void {
  for (let k = 0; k < 4 * length; k += 4) {
    const b0 = block[k], b1 = block[k + 1], b2 = block[k + 2], b3 = block[k + 3]
    for (let c = 0; c < 4; c++) target[k + c] -= b0 * m[4 * c] + b1 * m[4 * c + 1] + (b2 * m[4 * c + 2] + b3 * m[4 * c + 3])
  }
}

/**
 * Dimensions to add before the next convergence check. The log of the error bound falls at a rate the
 * last two checks measure, and faster as the values settle, so aiming at 60 % of the predicted distance
 * lands close after convergence; never so soon that checks would take over a third of the work, never
 * later than 1/8 more dimensions (early predictions are poor).
 */
function checkSpacing(
  dims: number,
  ratio: number,
  previous: {dims: number; ratio: number} | undefined,
  rows: number,
  cols: number,
  count: number,
): number {
  // Measured costs in ns: a check is band reduction plus bisection and inverse iteration per value; a
  // block step is two products with A (0.35 ns per multiply-add) plus reorthogonalization (0.45 ns).
  const checkCost = 35 * dims * dims + 540 * (count + NEIGHBOURS) * dims
  const stepCost = 2.8 * rows * cols + 3.6 * dims * (rows + cols)
  const cheapest = 4 * Math.ceil((2 * checkCost) / stepCost)
  let spacing = Math.max(8, Math.ceil(dims / 8))
  if (previous !== undefined && ratio < previous.ratio && Number.isFinite(previous.ratio)) {
    const perDim = Math.log(previous.ratio / ratio) / (dims - previous.dims)
    spacing = Math.min(spacing, Math.ceil((0.6 * Math.log(ratio)) / perDim))
  }
  return 4 * Math.ceil(Math.max(spacing, cheapest) / 4)
}
