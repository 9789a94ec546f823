/**
 * The `count` largest singular values (descending) of the upper bidiagonal matrix with diagonal `diag`
 * and superdiagonal `superdiag` (length n − 1). They are the positive eigenvalues of the 2n×2n
 * Golub–Kahan tridiagonal with zero diagonal and off-diagonals d₀, e₀, d₁, e₁, …, found by Sturm-count
 * bisection, which on that matrix determines every singular value to high relative accuracy (Demmel and
 * Kahan), tiny ones included, and needs no eigenvectors. Every count narrows the brackets of all
 * wanted values, so clustered values share the early steps.
 */
export function bidiagonalSingularValues(diag: Float64Array, superdiag: Float64Array, count: number): Float64Array {
  const n = diag.length
  const size = 2 * n
  const squares = new Float64Array(Math.max(size - 1, 0))
  let bound = 0
  let largest = 0
  for (let i = 0; i < n; i++) {
    const d = magnitude(diag[i])
    const left = i > 0 ? magnitude(superdiag[i - 1]) : 0
    const right = i < n - 1 ? magnitude(superdiag[i]) : 0
    squares[2 * i] = d * d
    if (i < n - 1) squares[2 * i + 1] = right * right
    bound = Math.max(bound, left + d, d + right)
    largest = Math.max(largest, d * d, right * right)
  }
  const values = new Float64Array(count)
  if (bound === 0) return values
  // Pivots this small are replaced (LAPACK's pivmin) so the recurrence never divides by zero.
  const pivotFloor = 2.2250738585072014e-308 * Math.max(1, largest)
  // Zero singular values are bisected down to this width instead of forever.
  const absoluteWidth = bound * 2 ** -80
  const lower = new Float64Array(count)
  const upper = new Float64Array(count).fill(bound * (1 + 4 * Number.EPSILON))
  for (let t = 0; t < count; t++) {
    for (;;) {
      const lo = lower[t]
      const hi = upper[t]
      const mid = 0.5 * (lo + hi)
      if (hi - lo <= 4 * Number.EPSILON * hi || hi - lo <= absoluteWidth || mid <= lo || mid >= hi) break
      // below = how many eigenvalues lie below mid; the t-th largest has ascending index size − 1 − t.
      const below = sturmCount(squares, size, mid, pivotFloor)
      const above = size - below
      for (let s = t; s < count; s++) {
        if (s < above) {
          if (mid > lower[s]) lower[s] = mid
        } else if (mid < upper[s]) {
          upper[s] = mid
        }
      }
    }
    values[t] = 0.5 * (lower[t] + upper[t])
  }
  return values.sort().reverse()
}

/**
 * Number of eigenvalues below x of the zero-diagonal symmetric tridiagonal with squared off-diagonals.
 * Hot loops here avoid Math.* calls, which jest's sandbox makes some 20 times slower than arithmetic.
 */
function sturmCount(squares: Float64Array, size: number, x: number, pivotFloor: number): number {
  let q = -x
  if (q > -pivotFloor && q < pivotFloor) q = -pivotFloor
  let below = q < 0 ? 1 : 0
  for (let i = 1; i < size; i++) {
    q = -x - squares[i - 1] / q
    if (q > -pivotFloor && q < pivotFloor) q = -pivotFloor
    if (q < 0) below++
  }
  return below
}

function magnitude(x: number): number {
  return x < 0 ? -x : x
}
