import {bidiagonalLeftVector} from './bidiagonal-left-vector'
import {bidiagonalSingularValues} from './bidiagonal-singular-values'

export interface RitzEstimates {
  /** The `count` largest singular values of the projected matrix, descending. */
  values: Float64Array
  /** For each value, the norm of the residual Aᵀ·(U·x) − θ·(V·y) of its Ritz triplet. */
  residuals: Float64Array
}

/**
 * Ritz values and residual norms of a block Golub–Kahan–Lanczos run with blocks of 4. The projected
 * matrix B = Uᵀ·A·V is block upper bidiagonal: R₀, R₁, … (upper triangular) on the diagonal and
 * S₁ᵀ, S₂ᵀ, … (lower triangular) above it, i.e. upper triangular with 4 superdiagonals. `rs` holds the
 * R blocks and `ss` the S blocks (row-major 4×4, one more S than R: the last couples the next V block
 * and gives the residuals, ‖S·x_last‖ for the last 4 entries of each left singular vector x of B).
 * B is reduced to bidiagonal form by Givens rotations chasing the bulge down the band (O(d²) work in
 * O(d) memory, orthogonal, so singular values move only by rounding), keeping the last 4 rows of the
 * accumulated left rotations to map the bidiagonal's singular vectors back.
 */
export function blockBidiagonalRitz(rs: readonly Float64Array[], ss: readonly Float64Array[], count: number): RitzEstimates {
  const blocks = rs.length
  const d = 4 * blocks
  const band = new Float64Array(d * STRIDE)
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < 4; i++) {
      const row = 4 * b + i
      for (let j = i; j < 4; j++) band[slot(row, 4 * b + j)] = rs[b][4 * i + j]
      if (b + 1 < blocks) for (let j = 0; j <= i; j++) band[slot(row, 4 * b + 4 + j)] = ss[b][4 * j + i]
    }
  }
  const lastRows = new Float64Array(4 * d)
  for (let i = 0; i < 4; i++) lastRows[i * d + d - 4 + i] = 1
  reduceBand(band, d, lastRows)

  const diag = new Float64Array(d)
  const superdiag = new Float64Array(d - 1)
  for (let i = 0; i < d; i++) {
    diag[i] = band[slot(i, i)]
    if (i < d - 1) superdiag[i] = band[slot(i, i + 1)]
  }
  const values = bidiagonalSingularValues(diag, superdiag, count)
  const residuals = new Float64Array(count)
  const s = ss[blocks - 1]
  for (let t = 0; t < count; t++) {
    const x = bidiagonalLeftVector(diag, superdiag, values[t])
    const tail = new Float64Array(4)
    for (let i = 0; i < 4; i++) {
      let sum = 0
      for (let j = 0; j < d; j++) sum += lastRows[i * d + j] * x[j]
      tail[i] = sum
    }
    let norm = 0
    for (let i = 0; i < 4; i++) {
      let sum = 0
      for (let j = i; j < 4; j++) sum += s[4 * i + j] * tail[j]
      norm += sum * sum
    }
    residuals[t] = Math.sqrt(norm)
  }
  return {values, residuals}
}

/** Superdiagonals of the block bidiagonal matrix. */
const WIDTH = 4

/**
 * Row i of the band keeps columns i − 1 … i + WIDTH + 1: the band itself plus the two places where the
 * reduction's bulge appears (one below the diagonal, one beyond the band), so it all stays in cache.
 */
const STRIDE = WIDTH + 3

function slot(row: number, col: number): number {
  return row * STRIDE + col - row + 1
}

/**
 * Reduces the d×d banded upper-triangular `band` to upper bidiagonal form in place, one row at a time:
 * each entry beyond the first superdiagonal is rotated into its left neighbour, and the fill this
 * leaves below the diagonal is chased down the band. Left rotations are applied to the columns of
 * `leftRows` (rows of the accumulated left factor).
 */
function reduceBand(band: Float64Array, d: number, leftRows: Float64Array): void {
  const leftCount = leftRows.length / d
  for (let i = 0; i < d - 2; i++) {
    for (let j = Math.min(i + WIDTH, d - 1); j >= i + 2; j--) {
      if (band[slot(i, j)] === 0) continue
      rotateColumns(band, j - 1, i, j)
      let col = j - 1
      for (;;) {
        // Left rotation of rows col, col + 1 removes the bulge below the diagonal.
        const row = col + 1
        const a0 = band[slot(col, col)]
        const b0 = band[slot(row, col)]
        const radius = rotationRadius(a0, b0)
        const c = radius === 0 ? 1 : a0 / radius
        const s = radius === 0 ? 0 : b0 / radius
        const last = row + WIDTH < d ? row + WIDTH : d - 1
        for (let k = col; k <= last; k++) {
          const a = band[slot(col, k)]
          const b = band[slot(row, k)]
          band[slot(col, k)] = c * a + s * b
          band[slot(row, k)] = c * b - s * a
        }
        band[slot(row, col)] = 0
        for (let r = 0; r < leftCount; r++) {
          const a = leftRows[r * d + col]
          const b = leftRows[r * d + row]
          leftRows[r * d + col] = c * a + s * b
          leftRows[r * d + row] = c * b - s * a
        }
        // That rotation put a new entry just beyond the band in row col; a right rotation moves it down.
        const fill = row + WIDTH
        if (fill > d - 1) break
        rotateColumns(band, fill - 1, col, fill)
        col = fill - 1
      }
    }
  }
}

/** Rotates columns (left, left + 1) so that the entry at (top, left + 1) becomes 0; rows top…bottom are touched. */
function rotateColumns(band: Float64Array, left: number, top: number, bottom: number): void {
  const a0 = band[slot(top, left)]
  const b0 = band[slot(top, left + 1)]
  const radius = rotationRadius(a0, b0)
  if (radius === 0) return
  const c = a0 / radius
  const s = b0 / radius
  for (let r = top; r <= bottom; r++) {
    const a = band[slot(r, left)]
    const b = band[slot(r, left + 1)]
    band[slot(r, left)] = c * a + s * b
    band[slot(r, left + 1)] = c * b - s * a
  }
  band[slot(top, left + 1)] = 0
}

/**
 * √(a² + b²), scaled so that squaring cannot overflow. Written without Math.* calls (with ** 0.5),
 * which jest's sandbox makes some 20 times slower than arithmetic.
 */
function rotationRadius(a: number, b: number): number {
  const absA = a < 0 ? -a : a
  const absB = b < 0 ? -b : b
  const scale = absA > absB ? absA : absB
  if (scale === 0) return 0
  const x = a / scale
  const y = b / scale
  return scale * (x * x + y * y) ** 0.5
}
