/** The cols×rows transpose of a row-major rows×cols matrix, in 64×64 tiles so both sides stay in cache. */
export function transposeMatrix(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols)
  const tile = 64
  for (let j0 = 0; j0 < cols; j0 += tile) {
    const j1 = Math.min(cols, j0 + tile)
    for (let i0 = 0; i0 < rows; i0 += tile) {
      const i1 = Math.min(rows, i0 + tile)
      for (let j = j0; j < j1; j++) {
        const o = j * rows
        for (let i = i0; i < i1; i++) out[o + i] = m[i * cols + j]
      }
    }
  }
  return out
}
