import type {Random} from '../random'

/** Below this fraction of its norm, a column lost too much to cancellation to trust one projection. */
const KEEP = Math.SQRT1_2

/**
 * Orthonormalizes the 4 interleaved columns of `block` (length×4) against the orthonormal blocks of
 * `basis` and against each other, writing the upper-triangular R (row-major 4×4) of
 * block = Q·R + (components along basis) into `r`. Components along `basis` are dropped: in the Krylov
 * recurrence they are rounding noise. Projections repeat while a column loses most of its norm
 * (Daniel–Gragg–Kaufman–Stewart), so the result is orthogonal to working precision. A column whose
 * remainder is at most `breakdownNorm` lies in the span already: its R diagonal is 0 and it is replaced
 * by a random unit vector orthogonal to everything, which keeps the recurrence exact (this is how rank
 * deficiency and invariant subspaces show up as exact zeros).
 */
export function orthonormalizeBlock(
  block: Float64Array,
  length: number,
  basis: readonly Float64Array[],
  r: Float64Array,
  breakdownNorm: number,
  random: Random,
): void {
  r.fill(0)
  let before = columnNorms(block, length)
  for (let pass = 0; pass < 4; pass++) {
    projectBlock(block, length, basis)
    const after = columnNorms(block, length)
    let again = false
    for (let c = 0; c < 4; c++) if (after[c] < KEEP * before[c] && after[c] > breakdownNorm) again = true
    if (!again) break
    before = after
  }
  for (let c = 0; c < 4; c++) {
    let norm = columnNorm(block, length, c)
    for (let pass = 0; pass < 4; pass++) {
      const start = norm
      for (let e = 0; e < c; e++) {
        const coefficient = columnDot(block, length, e, c)
        columnAxpy(block, length, -coefficient, e, c)
        r[4 * e + c] += coefficient
      }
      norm = columnNorm(block, length, c)
      if (norm >= KEEP * start || norm <= breakdownNorm) break
      projectColumn(block, length, c, basis)
    }
    if (norm > breakdownNorm) {
      r[5 * c] = norm
      columnScale(block, length, c, 1 / norm)
      continue
    }
    for (let k = 0; k < length; k++) block[4 * k + c] = random.next() - 0.5
    for (let pass = 0; pass < 2; pass++) {
      projectColumn(block, length, c, basis)
      for (let e = 0; e < c; e++) columnAxpy(block, length, -columnDot(block, length, e, c), e, c)
    }
    columnScale(block, length, c, 1 / columnNorm(block, length, c))
  }
}

/** block -= Q·(Qᵀ·block) for each basis block Q in turn (block modified Gram–Schmidt). */
function projectBlock(block: Float64Array, length: number, basis: readonly Float64Array[]): void {
  const end = 4 * length
  for (const q of basis) {
    let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
    let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
    for (let k = 0; k < end; k += 4) {
      const b0 = q[k], b1 = q[k + 1], b2 = q[k + 2], b3 = q[k + 3]
      const p0 = block[k], p1 = block[k + 1], p2 = block[k + 2], p3 = block[k + 3]
      c00 += b0 * p0
      c01 += b0 * p1
      c02 += b0 * p2
      c03 += b0 * p3
      c10 += b1 * p0
      c11 += b1 * p1
      c12 += b1 * p2
      c13 += b1 * p3
      c20 += b2 * p0
      c21 += b2 * p1
      c22 += b2 * p2
      c23 += b2 * p3
      c30 += b3 * p0
      c31 += b3 * p1
      c32 += b3 * p2
      c33 += b3 * p3
    }
    for (let k = 0; k < end; k += 4) {
      const b0 = q[k], b1 = q[k + 1], b2 = q[k + 2], b3 = q[k + 3]
      block[k] -= b0 * c00 + b1 * c10 + (b2 * c20 + b3 * c30)
      block[k + 1] -= b0 * c01 + b1 * c11 + (b2 * c21 + b3 * c31)
      block[k + 2] -= b0 * c02 + b1 * c12 + (b2 * c22 + b3 * c32)
      block[k + 3] -= b0 * c03 + b1 * c13 + (b2 * c23 + b3 * c33)
    }
  }
}

/** Removes from column c of block its components along every column of every basis block. */
function projectColumn(block: Float64Array, length: number, c: number, basis: readonly Float64Array[]): void {
  for (const q of basis) {
    for (let e = 0; e < 4; e++) {
      let dot = 0
      for (let k = 0; k < length; k++) dot += q[4 * k + e] * block[4 * k + c]
      for (let k = 0; k < length; k++) block[4 * k + c] -= dot * q[4 * k + e]
    }
  }
}

function columnNorms(block: Float64Array, length: number): Float64Array {
  const norms = new Float64Array(4)
  for (let c = 0; c < 4; c++) norms[c] = columnNorm(block, length, c)
  return norms
}

function columnNorm(block: Float64Array, length: number, c: number): number {
  return Math.sqrt(columnDot(block, length, c, c))
}

function columnDot(block: Float64Array, length: number, e: number, c: number): number {
  let sum = 0
  for (let k = 0; k < length; k++) sum += block[4 * k + e] * block[4 * k + c]
  return sum
}

function columnAxpy(block: Float64Array, length: number, factor: number, from: number, to: number): void {
  for (let k = 0; k < length; k++) block[4 * k + to] += factor * block[4 * k + from]
}

function columnScale(block: Float64Array, length: number, c: number, factor: number): void {
  for (let k = 0; k < length; k++) block[4 * k + c] *= factor
}
