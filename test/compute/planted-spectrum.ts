import {createRandom} from '../../src/compute/random'

export function gaussian(random: {next(): number}): number {
  return Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next())
}

/**
 * H_u2·H_u1·[diag(σ); 0]·H_v1·H_v2 (rows×cols) with Householder reflections H = I − 2·w·wᵀ along random
 * unit w, in float64, so its singular values are σ (padded with zeros) to float64 rounding; returned
 * rounded to float32 with ‖A₆₄ − A₃₂‖_F, which bounds how far that rounding moves each singular value.
 */
export function plantedSpectrum(rows: number, cols: number, sigma: readonly number[], seed: number): {a: Float32Array; rounding: number} {
  const random = createRandom(seed, 'householder')
  const unit = (n: number): Float64Array => {
    const w = Float64Array.from({length: n}, () => gaussian(random))
    const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0))
    return w.map((x) => x / norm)
  }
  const m = new Float64Array(rows * cols)
  sigma.forEach((value, i) => (m[i * cols + i] = value))
  for (let t = 0; t < 2; t++) {
    const u = unit(rows)
    const uTm = new Float64Array(cols)
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) uTm[j] += u[i] * m[i * cols + j]
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m[i * cols + j] -= 2 * u[i] * uTm[j]
    const v = unit(cols)
    for (let i = 0; i < rows; i++) {
      let mv = 0
      for (let j = 0; j < cols; j++) mv += m[i * cols + j] * v[j]
      for (let j = 0; j < cols; j++) m[i * cols + j] -= 2 * mv * v[j]
    }
  }
  const a = Float32Array.from(m)
  let rounding = 0
  for (let i = 0; i < m.length; i++) rounding += (a[i] - m[i]) ** 2
  return {a, rounding: Math.sqrt(rounding)}
}

