import {bidiagonalLeftVector} from './bidiagonal-left-vector'
import {bidiagonalSingularValues} from './bidiagonal-singular-values'

export interface RitzEstimates {
  /** The `count` largest singular values of the projected matrix, descending. */
  values: Float64Array
  /** For each value, the norm of the residual Aᵀ·(U·x) − θ·(V·y) of its Ritz triplet. */
  residuals: Float64Array
}

/**
 * Ritz values and residual norms of a block Golub–Kahan–Lanczos run with blocks of `width` vectors.
 * The projected matrix B = Uᵀ·A·V is block upper bidiagonal: R₀, R₁, … (upper triangular) on the
 * diagonal and S₁ᵀ, S₂ᵀ, … (lower triangular) above it, i.e. upper triangular with `width`
 * superdiagonals. `rs` holds the R blocks and `ss` the S blocks (row-major width×width; the last S
 * couples the next V block and gives the residuals, ‖S·x_last‖ for the last `width` entries of each left
 * singular vector x of B). B is reduced to bidiagonal form by Givens rotations chasing the bulge down the
 * band (O(d²·width) work in O(d·width) memory, orthogonal, so singular values move only by rounding),
 * keeping the last `width` rows of the accumulated left rotations to map the bidiagonal's singular
 * vectors back.
 */
export function blockBidiagonalRitz(rs: readonly Float64Array[], ss: readonly Float64Array[], width: number, count: number): RitzEstimates {
  const blocks = rs.length
  const d = width * blocks
  const band = new Band(d, width)
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < width; i++) {
      const row = width * b + i
      for (let j = i; j < width; j++) band.set(row, width * b + j, rs[b][width * i + j])
      if (b + 1 < blocks) for (let j = 0; j <= i; j++) band.set(row, width * (b + 1) + j, ss[b][width * j + i])
    }
  }
  const lastRows = new Float64Array(width * d)
  for (let i = 0; i < width; i++) lastRows[i * d + d - width + i] = 1
  reduceBand(band, lastRows)

  const diag = new Float64Array(d)
  const superdiag = new Float64Array(d - 1)
  for (let i = 0; i < d; i++) {
    diag[i] = band.get(i, i)
    if (i < d - 1) superdiag[i] = band.get(i, i + 1)
  }
  const values = bidiagonalSingularValues(diag, superdiag, count)
  const residuals = new Float64Array(count)
  const s = ss[blocks - 1]
  for (let t = 0; t < count; t++) {
    const x = bidiagonalLeftVector(diag, superdiag, values[t])
    const tail = new Float64Array(width)
    for (let i = 0; i < width; i++) {
      let sum = 0
      for (let j = 0; j < d; j++) sum += lastRows[i * d + j] * x[j]
      tail[i] = sum
    }
    let norm = 0
    for (let i = 0; i < width; i++) {
      let sum = 0
      for (let j = i; j < width; j++) sum += s[width * i + j] * tail[j]
      norm += sum * sum
    }
    residuals[t] = Math.sqrt(norm)
  }
  return {values, residuals}
}

/**
 * A d×d upper-triangular matrix with `width` superdiagonals. Row i keeps columns i − 1 … i + width + 1:
 * the band itself plus the two places where the reduction's bulge appears (one below the diagonal, one
 * beyond the band), so it all stays in cache.
 */
class Band {
  readonly values: Float64Array
  readonly stride: number

  constructor(
    readonly d: number,
    readonly width: number,
  ) {
    this.stride = width + 3
    this.values = new Float64Array(d * this.stride)
  }

  get(row: number, col: number): number {
    return this.values[row * this.stride + col - row + 1]
  }

  set(row: number, col: number, value: number): void {
    this.values[row * this.stride + col - row + 1] = value
  }
}

/**
 * Reduces `band` to upper bidiagonal form in place, one row at a time: each entry beyond the first
 * superdiagonal is rotated into its left neighbour, and the fill this leaves below the diagonal is
 * chased down the band. Left rotations are applied to the columns of `leftRows` (rows of the
 * accumulated left factor).
 */
function reduceBand(band: Band, leftRows: Float64Array): void {
  const {d, width, values, stride} = band
  // slot(row, col) = row·(stride − 1) + col + 1
  const step = stride - 1
  const leftCount = leftRows.length / d
  for (let i = 0; i < d - 2; i++) {
    for (let j = Math.min(i + width, d - 1); j >= i + 2; j--) {
      if (values[i * step + j + 1] === 0) continue
      rotateColumns(band, j - 1, i, j)
      let col = j - 1
      for (;;) {
        // Left rotation of rows col, col + 1 removes the bulge below the diagonal.
        const row = col + 1
        const top = col * step + 1
        const below = row * step + 1
        const a0 = values[top + col]
        const b0 = values[below + col]
        const radius = rotationRadius(a0, b0)
        const c = radius === 0 ? 1 : a0 / radius
        const s = radius === 0 ? 0 : b0 / radius
        const last = row + width < d ? row + width : d - 1
        for (let k = col; k <= last; k++) {
          const a = values[top + k]
          const b = values[below + k]
          values[top + k] = c * a + s * b
          values[below + k] = c * b - s * a
        }
        values[below + col] = 0
        for (let r = 0; r < leftCount; r++) {
          const a = leftRows[r * d + col]
          const b = leftRows[r * d + row]
          leftRows[r * d + col] = c * a + s * b
          leftRows[r * d + row] = c * b - s * a
        }
        // That rotation put a new entry just beyond the band in row col; a right rotation moves it down.
        const fill = row + width
        if (fill > d - 1) break
        rotateColumns(band, fill - 1, col, fill)
        col = fill - 1
      }
    }
  }
}

/** Rotates columns (left, left + 1) so that the entry at (top, left + 1) becomes 0; rows top…bottom are touched. */
function rotateColumns(band: Band, left: number, top: number, bottom: number): void {
  const {values, stride} = band
  const step = stride - 1
  const a0 = values[top * step + left + 1]
  const b0 = values[top * step + left + 2]
  const radius = rotationRadius(a0, b0)
  if (radius === 0) return
  const c = a0 / radius
  const s = b0 / radius
  for (let r = top; r <= bottom; r++) {
    const at = r * step + left + 1
    const a = values[at]
    const b = values[at + 1]
    values[at] = c * a + s * b
    values[at + 1] = c * b - s * a
  }
  values[top * step + left + 2] = 0
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
