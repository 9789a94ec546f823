/**
 * `Y = X − (X·Qᵀ)·Q` for the `count` row vectors X [count, length] and the `dims` orthonormal rows of
 * `basis` (the first dims·length values, [dims, length]); all float64.
 */
export type ProjectOut = (basis: Float64Array, dims: number, x: Float64Array, count: number, length: number) => Promise<Float64Array>

/** Orthonormal vectors of one length, stored as consecutive rows so a projection against all of them is one product. */
export class KrylovBasis {
  private rows = new Float64Array(0)
  dims = 0

  constructor(
    readonly length: number,
    private readonly projectOut: ProjectOut,
  ) {}

  /** Removes from the `count` row vectors in x their components along the basis, in place. */
  async project(x: Float64Array, count: number): Promise<void> {
    if (this.dims === 0) return
    x.set(await this.projectOut(this.rows, this.dims, x, count, this.length))
  }

  /** Appends the `count` row vectors in `block` (orthonormal, and orthogonal to the basis). */
  append(block: Float64Array, count: number): void {
    const needed = (this.dims + count) * this.length
    if (needed > this.rows.length) {
      // Doubling keeps the copies to O(final size); the basis rarely exceeds a few hundred vectors.
      const grown = new Float64Array(Math.max(needed, 2 * this.rows.length))
      grown.set(this.rows.subarray(0, this.dims * this.length))
      this.rows = grown
    }
    this.rows.set(block.subarray(0, count * this.length), this.dims * this.length)
    this.dims += count
  }
}
