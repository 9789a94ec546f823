/**
 * `X − (X·Qᵀ)·Q` for the `count` row vectors X [count, length] and the `dims` orthonormal rows of
 * `basis` ([dims, length]); all float64. The result may be a view that the next call overwrites.
 */
export type ProjectOut = (basis: Float64Array, dims: number, x: Float64Array, count: number, length: number) => Promise<Float64Array>

/** Vectors per segment of the basis: one projection product each, and no copies as the basis grows. */
const SEGMENT = 128

/**
 * Orthonormal vectors of one length, stored as consecutive rows of fixed segments, so a projection
 * against all of them is one product per segment, and new blocks are computed in place in the next
 * free rows (fresh memory is expensive to touch; the basis is the bulk of a Krylov run's memory).
 */
export class KrylovBasis {
  private readonly segments: Float64Array[] = []
  dims = 0

  constructor(
    readonly length: number,
    private readonly projectOut: ProjectOut,
  ) {}

  /** Rows for the next `count` vectors (count divides the segment size), to fill and then `commit`. */
  next(count: number): Float64Array {
    const offset = this.dims % SEGMENT
    if (SEGMENT % count !== 0) throw new RangeError(`KrylovBasis: blocks of ${count} do not tile segments of ${SEGMENT}`)
    if (offset === 0) this.segments.push(new Float64Array(SEGMENT * this.length))
    return this.segments[this.segments.length - 1].subarray(offset * this.length, (offset + count) * this.length)
  }

  /** Adds the `count` vectors written into the rows from `next` (orthonormal, and orthogonal to the basis). */
  commit(count: number): void {
    this.dims += count
  }

  /** Removes from the `count` row vectors in x their components along the basis, in place (block MGS over segments). */
  async project(x: Float64Array, count: number): Promise<void> {
    for (let s = 0; s < this.segments.length; s++) {
      const dims = Math.min(SEGMENT, this.dims - s * SEGMENT)
      if (dims <= 0) break
      x.set(await this.projectOut(this.segments[s], dims, x, count, this.length))
    }
  }
}
