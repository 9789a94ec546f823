import {bidiagonalSingularValues} from './bidiagonal-singular-values'

/**
 * The `count` largest singular values of a row-major rows×cols float32 matrix by Householder
 * bidiagonalization (Golub–Kahan) of a float64 copy, then bisection on the bidiagonal. Exact up to
 * rounding, O(rows·cols·min(rows, cols)): for matrices with a small side, and as the fallback when a
 * Krylov run would need nearly the whole space. A long matrix is first reduced to the triangular
 * factor of its QR decomposition (half the work of bidiagonalizing it directly).
 */
export function denseSingularValues(matrix: Float32Array, rows: number, cols: number, count: number): Float64Array {
  // Work on the tall orientation q×p (q ≥ p) so the bidiagonal is p×p.
  const p = Math.min(rows, cols)
  let q = Math.max(rows, cols)
  let m: Float64Array = new Float64Array(q * p)
  if (rows >= cols) for (let i = 0; i < m.length; i++) m[i] = matrix[i]
  else for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m[j * p + i] = matrix[i * cols + j]
  if (3 * q > 5 * p) {
    m = triangularFactor(m, q, p)
    q = p
  }

  const diag = new Float64Array(p)
  const superdiag = new Float64Array(Math.max(p - 1, 0))
  const w = new Float64Array(p)
  for (let i = 0; i < p; i++) {
    // Left reflector: zero column i below the diagonal.
    const [alpha, tau] = reflector(m, i * p + i, p, q - i)
    diag[i] = alpha
    if (tau !== 0) applyLeft(m, q, p, i, tau, w)
    if (i >= p - 1) continue
    // Right reflector: zero row i beyond the superdiagonal.
    const [beta, sigma] = reflector(m, i * p + i + 1, 1, p - i - 1)
    superdiag[i] = beta
    if (sigma === 0) continue
    for (let r = i + 1; r < q; r++) {
      let dot = 0
      for (let j = i + 1; j < p; j++) dot += m[r * p + j] * m[i * p + j]
      dot *= sigma
      for (let j = i + 1; j < p; j++) m[r * p + j] -= dot * m[i * p + j]
    }
  }
  return bidiagonalSingularValues(diag, superdiag, count)
}

/** R (p×p, row-major) of the QR decomposition of the row-major q×p matrix m, which is overwritten. */
function triangularFactor(m: Float64Array, q: number, p: number): Float64Array {
  const r = new Float64Array(p * p)
  const w = new Float64Array(p)
  for (let i = 0; i < p; i++) {
    const [alpha, tau] = reflector(m, i * p + i, p, q - i)
    r[i * p + i] = alpha
    if (tau !== 0) applyLeft(m, q, p, i, tau, w)
    for (let j = i + 1; j < p; j++) r[i * p + j] = m[i * p + j]
  }
  return r
}

/** Applies the reflector stored in column i (rows i…q−1, v_i = 1) to columns i+1…p−1 of m. */
function applyLeft(m: Float64Array, q: number, p: number, i: number, tau: number, w: Float64Array): void {
  w.fill(0, i + 1)
  let r = i
  // wᵀ = vᵀ·M, four rows per pass over w.
  for (; r + 3 < q; r += 4) {
    const o = r * p
    const v0 = m[o + i], v1 = m[o + p + i], v2 = m[o + 2 * p + i], v3 = m[o + 3 * p + i]
    for (let j = i + 1; j < p; j++) w[j] += v0 * m[o + j] + v1 * m[o + p + j] + (v2 * m[o + 2 * p + j] + v3 * m[o + 3 * p + j])
  }
  for (; r < q; r++) {
    const v = m[r * p + i]
    for (let j = i + 1; j < p; j++) w[j] += v * m[r * p + j]
  }
  for (r = i; r < q; r++) {
    const v = tau * m[r * p + i]
    for (let j = i + 1; j < p; j++) m[r * p + j] -= v * w[j]
  }
}

/**
 * Householder reflector I − τ·v·vᵀ taking x = m[offset + t·stride] (t < length) to (β, 0, …, 0), as in
 * LAPACK dlarfg: v overwrites x with v₀ = 1, and [β, τ] is returned. The norm is scaled and v is
 * divided by x₀ − β rather than normalized, so rounding leftovers of rank-deficient input, which
 * shrink geometrically from column to column, can neither underflow to 0/0 nor overflow.
 */
function reflector(m: Float64Array, offset: number, stride: number, length: number): [number, number] {
  let scale = 0
  for (let t = 0; t < length; t++) {
    const x = m[offset + t * stride]
    if (x > scale) scale = x
    else if (-x > scale) scale = -x
  }
  if (scale === 0) return [0, 0]
  let sum = 0
  for (let t = 0; t < length; t++) sum += (m[offset + t * stride] / scale) ** 2
  const head = m[offset]
  const beta = (head > 0 ? -scale : scale) * Math.sqrt(sum)
  const divisor = head - beta
  for (let t = 1; t < length; t++) m[offset + t * stride] /= divisor
  m[offset] = 1
  return [beta, (beta - head) / beta]
}
