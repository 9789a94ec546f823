/**
 * A unit left singular vector x (B·y = σ·x, Bᵀ·x = σ·y) of the upper bidiagonal B with diagonal `diag`
 * and superdiagonal `superdiag`, for a singular value σ that is already accurate: inverse iteration on
 * the Golub–Kahan tridiagonal (zero diagonal, off-diagonals d₀, e₀, d₁, …; eigenvector y₀, x₀, y₁, x₁, …)
 * shifted by σ, factored once with partial pivoting. The start vector has only x-entries: the tridiagonal
 * maps x-entries to y-entries, so for σ ≈ 0, where +σ and −σ cannot be told apart, two solves still
 * return a left null vector rather than a right one.
 */
export function bidiagonalLeftVector(diag: Float64Array, superdiag: Float64Array, sigma: number): Float64Array {
  const n = diag.length
  const size = 2 * n
  const lower = new Float64Array(size)
  const upper = new Float64Array(size)
  const upper2 = new Float64Array(size)
  const pivots = new Float64Array(size).fill(-sigma)
  const swapped = new Uint8Array(size)
  let scale = magnitude(sigma)
  for (let i = 0; i < size - 1; i++) {
    const off = i % 2 === 0 ? diag[i >> 1] : superdiag[i >> 1]
    lower[i] = off
    upper[i] = off
    if (magnitude(off) > scale) scale = magnitude(off)
  }
  // Gaussian elimination with partial pivoting (LAPACK dgttrf).
  for (let i = 0; i < size - 1; i++) {
    if (magnitude(pivots[i]) >= magnitude(lower[i])) {
      if (pivots[i] !== 0) {
        const factor = lower[i] / pivots[i]
        lower[i] = factor
        pivots[i + 1] -= factor * upper[i]
      }
    } else {
      const factor = pivots[i] / lower[i]
      pivots[i] = lower[i]
      lower[i] = factor
      const next = upper[i]
      upper[i] = pivots[i + 1]
      pivots[i + 1] = next - factor * pivots[i + 1]
      if (i < size - 2) {
        upper2[i] = upper[i + 1]
        upper[i + 1] = -factor * upper[i + 1]
      }
      swapped[i] = 1
    }
  }
  // An exactly singular factor is nudged (LAPACK dlagtf does the same): inverse iteration wants it near-singular.
  const tiny = Number.EPSILON * Math.max(scale, Number.MIN_VALUE)
  for (let i = 0; i < size; i++) if (magnitude(pivots[i]) < tiny) pivots[i] = pivots[i] < 0 ? -tiny : tiny

  const z = new Float64Array(size)
  for (let i = 1; i < size; i += 2) z[i] = 1 + ((i * 0.6180339887498949) % 1)
  for (let solve = 0; solve < 2; solve++) {
    for (let i = 0; i < size - 1; i++) {
      if (swapped[i]) {
        const t = z[i]
        z[i] = z[i + 1]
        z[i + 1] = t - lower[i] * z[i]
      } else {
        z[i + 1] -= lower[i] * z[i]
      }
    }
    z[size - 1] /= pivots[size - 1]
    if (size > 1) z[size - 2] = (z[size - 2] - upper[size - 2] * z[size - 1]) / pivots[size - 2]
    for (let i = size - 3; i >= 0; i--) {
      z[i] = (z[i] - upper[i] * z[i + 1] - upper2[i] * z[i + 2]) / pivots[i]
      // Nudged pivots can compound; rescaling (solution and remaining right-hand side alike) keeps it finite.
      if (magnitude(z[i]) > 1e100) for (let j = 0; j < size; j++) z[j] *= 1e-100
    }
    let largest = 0
    for (let i = 0; i < size; i++) if (magnitude(z[i]) > largest) largest = magnitude(z[i])
    for (let i = 0; i < size; i++) z[i] /= largest
  }
  const x = new Float64Array(n)
  let norm = 0
  for (let i = 0; i < n; i++) {
    x[i] = z[2 * i + 1]
    norm += x[i] * x[i]
  }
  norm = Math.sqrt(norm)
  if (norm > 0) for (let i = 0; i < n; i++) x[i] /= norm
  return x
}

/** |x| without Math.abs, which jest's sandbox makes some 20 times slower than arithmetic in hot loops. */
function magnitude(x: number): number {
  return x < 0 ? -x : x
}
