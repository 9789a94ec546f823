import type {Random} from '../random'
import type {KrylovBasis} from './krylov-basis'

/** Below this fraction of its norm, a vector lost too much to cancellation to trust one projection. */
const KEEP = Math.SQRT1_2

/**
 * Orthonormalizes the `width` row vectors of `block` ([width, length], one vector per row) against
 * `basis` and against each other, writing the upper-triangular R (row-major width×width) of
 * [vectors as columns] = Q·R + (components along basis) into `r`. Components along `basis` are dropped: in the Krylov
 * recurrence they are rounding noise. Projections repeat while a vector loses most of its norm
 * (Daniel–Gragg–Kaufman–Stewart), so the result is orthogonal to working precision. A vector whose
 * remainder is at most `breakdownNorm` lies in the span already: its R diagonal is 0 and it is replaced
 * by a random unit vector orthogonal to everything, which keeps the recurrence exact (this is how rank
 * deficiency and invariant subspaces show up as zeros).
 */
export async function orthonormalizeBlock(
  block: Float64Array,
  width: number,
  basis: KrylovBasis,
  r: Float64Array,
  breakdownNorm: number,
  random: Random,
): Promise<void> {
  const n = basis.length
  const row = (c: number): Float64Array => block.subarray(c * n, (c + 1) * n)
  r.fill(0)
  let before = Array.from({length: width}, (_, c) => norm(row(c)))
  for (let pass = 0; pass < 4; pass++) {
    await basis.project(block, width)
    const after = Array.from({length: width}, (_, c) => norm(row(c)))
    if (!after.some((value, c) => value < KEEP * before[c] && value > breakdownNorm)) break
    before = after
  }
  for (let c = 0; c < width; c++) {
    const x = row(c)
    let length = norm(x)
    for (let pass = 0; pass < 4; pass++) {
      const start = length
      for (let e = 0; e < c; e++) {
        const coefficient = dot(row(e), x)
        axpy(-coefficient, row(e), x)
        r[e * width + c] += coefficient
      }
      length = norm(x)
      if (length >= KEEP * start || length <= breakdownNorm) break
      await basis.project(x, 1)
    }
    if (length > breakdownNorm) {
      r[c * width + c] = length
      scale(x, 1 / length)
      continue
    }
    for (let k = 0; k < n; k++) x[k] = random.next() - 0.5
    for (let pass = 0; pass < 2; pass++) {
      await basis.project(x, 1)
      for (let e = 0; e < c; e++) axpy(-dot(row(e), x), row(e), x)
    }
    scale(x, 1 / norm(x))
  }
}

function norm(x: Float64Array): number {
  return Math.sqrt(dot(x, x))
}

function dot(x: Float64Array, y: Float64Array): number {
  let sum = 0
  for (let k = 0; k < x.length; k++) sum += x[k] * y[k]
  return sum
}

function axpy(factor: number, x: Float64Array, y: Float64Array): void {
  for (let k = 0; k < x.length; k++) y[k] += factor * x[k]
}

function scale(x: Float64Array, factor: number): void {
  for (let k = 0; k < x.length; k++) x[k] *= factor
}
