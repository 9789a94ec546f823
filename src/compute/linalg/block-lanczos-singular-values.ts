import type {Random} from '../random'
import {blockBidiagonalRitz} from './block-bidiagonal-ritz'
import {KrylovBasis, type ProjectOut} from './krylov-basis'
import {orthonormalizeBlock} from './orthonormalize-block'

/** The products a Krylov run needs; blocks hold `count` vectors as rows, in float64. */
export interface KrylovProducts {
  /** Writes A·x for each row x of `block` ([count, cols]) into `out` ([count, rows]). */
  times(block: Float64Array, count: number, out: Float64Array): Promise<void>
  /** Writes Aᵀ·y for each row y of `block` ([count, rows]) into `out` ([count, cols]). */
  transposeTimes(block: Float64Array, count: number, out: Float64Array): Promise<void>
  projectOut: ProjectOut
}

export interface BlockLanczosOptions {
  random: Random
  /** Vectors per block. */
  width: number
  /** Stop when every wanted value's error bound is at most tolerance·θ (or at most floor·θ_max). */
  tolerance: number
  /** Error bounds below floor·θ_max count as converged: the products are not that accurate (float32). */
  floor: number
  /** A Krylov vector whose new part is at most this is taken to lie in the span already (≈ product rounding). */
  breakdownNorm: number
}

/** Ritz values beyond the wanted ones whose residuals bound the gap below the last wanted value. */
const NEIGHBOURS = 4

/**
 * The `count` largest singular values of the rows×cols matrix A behind `products`, by block
 * Golub–Kahan–Lanczos bidiagonalization with full reorthogonalization in float64, without restarts:
 *   A·V_j = U_{j−1}·S_jᵀ + U_j·R_j,   Aᵀ·U_j = V_j·R_jᵀ + V_{j+1}·S_{j+1}.
 * Wide blocks make each product with A a real matrix product (and find up to `width` copies of an
 * exactly repeated singular value). Convergence is judged on error bounds from the Ritz residuals;
 * checks are spaced by their cost and by the observed rate of convergence. Returns undefined when the
 * Krylov space would fill the smaller dimension before converging (a dense method is then cheaper).
 */
export async function blockLanczosSingularValues(
  rows: number,
  cols: number,
  count: number,
  products: KrylovProducts,
  options: BlockLanczosOptions,
): Promise<Float64Array | undefined> {
  const {random, width, tolerance, floor, breakdownNorm} = options
  const room = Math.min(rows, cols)
  const us = new KrylovBasis(rows, products.projectOut)
  const vs = new KrylovBasis(cols, products.projectOut)
  const rs: Float64Array[] = []
  const ss: Float64Array[] = []

  // Blocks live in the bases' rows: U_j, V_j stay where they were computed.
  let v = vs.next(width)
  for (let i = 0; i < v.length; i++) v[i] = random.next() - 0.5
  await orthonormalizeBlock(v, width, vs, new Float64Array(width * width), breakdownNorm, random)
  vs.commit(width)
  let previousU: Float64Array | undefined

  let nextCheck = count + 2 * width
  let previous: {dims: number; ratio: number} | undefined
  for (let j = 0; ; j++) {
    const u = us.next(width)
    await products.times(v, width, u)
    if (previousU) subtractTimes(u, previousU, ss[j - 1], width, rows)
    const r = new Float64Array(width * width)
    await orthonormalizeBlock(u, width, us, r, breakdownNorm, random)
    us.commit(width)
    rs.push(r)

    const next = vs.next(width)
    await products.transposeTimes(u, width, next)
    subtractTimes(next, v, r, width, cols)
    const s = new Float64Array(width * width)
    await orthonormalizeBlock(next, width, vs, s, breakdownNorm, random)
    vs.commit(width)
    ss.push(s)
    previousU = u
    v = next

    const dims = width * (j + 1)
    // Another step must leave room on the short side for random replacement vectors.
    const full = dims + 3 * width > room
    if (dims < nextCheck && !full) continue
    const {values, residuals} = blockBidiagonalRitz(rs, ss, width, count + NEIGHBOURS)
    const ratio = convergenceRatio(values, residuals, count, tolerance, floor)
    if (ratio <= 1) return values.slice(0, count)
    if (full) return undefined
    nextCheck = dims + checkSpacing(dims, ratio, previous, width, rows, cols, count)
    previous = {dims, ratio}
  }
}

/**
 * max over the wanted values of (error bound)/(allowed error); ≤ 1 means converged. Each interval
 * θ_j ± r_j holds a singular value, so if the intervals of the other Ritz values stay a distance g away
 * from θ_i, its error is at most min(r_i, r_i²/g) (Kato–Temple); on clustered spectra that is far
 * smaller than r_i and saves 10–15 % of the products. Overlapping intervals fall back to r_i.
 */
function convergenceRatio(values: Float64Array, residuals: Float64Array, count: number, tolerance: number, floor: number): number {
  const absolute = floor * values[0]
  let ratio = 0
  for (let i = 0; i < count; i++) {
    let gap = Infinity
    for (let j = 0; j < values.length; j++) {
      const distance = (values[i] > values[j] ? values[i] - values[j] : values[j] - values[i]) - residuals[j]
      if (j !== i && distance < gap) gap = distance
    }
    const r = residuals[i]
    const bound = gap > 0 ? Math.min(r, (r * r) / gap) : r
    ratio = Math.max(ratio, bound / Math.max(tolerance * values[i], absolute))
  }
  return ratio
}

/** target[c] −= Σ_e m[c, e]·block[e] for blocks of `width` rows of `length` and a row-major width×width m. */
function subtractTimes(target: Float64Array, block: Float64Array, m: Float64Array, width: number, length: number): void {
  for (let c = 0; c < width; c++) {
    const t = target.subarray(c * length, (c + 1) * length)
    for (let e = 0; e < width; e++) {
      const factor = m[c * width + e]
      if (factor === 0) continue
      const b = block.subarray(e * length, (e + 1) * length)
      for (let k = 0; k < length; k++) t[k] -= factor * b[k]
    }
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
  width: number,
  rows: number,
  cols: number,
  count: number,
): number {
  // Costs in ns measured on 2 cores: a check is band reduction plus bisection and inverse iteration
  // per value; a block step is, per vector, two float32 products with A, the float64 projections
  // against the basis, and the JavaScript work on the block.
  const checkCost = 10 * width * dims * dims + 430 * (count + NEIGHBOURS) * dims
  const stepCost = width * (0.08 * rows * cols + 0.1 * dims * (rows + cols) + 60 * (rows + cols))
  const cheapest = width * Math.ceil((2 * checkCost) / stepCost)
  let spacing = Math.max(width, Math.ceil(dims / 8))
  if (previous !== undefined && ratio < previous.ratio && Number.isFinite(previous.ratio)) {
    const perDim = Math.log(previous.ratio / ratio) / (dims - previous.dims)
    spacing = Math.min(spacing, Math.ceil((0.6 * Math.log(ratio)) / perDim))
  }
  return width * Math.ceil(Math.max(spacing, cheapest) / width)
}
