import {matmul} from '../../src/compute/matmul'

describe('matmul on onnxruntime', () => {
  it('equals a float64 product of float32 inputs within float32 rounding, for several shapes on one session', async () => {
    for (const [m, k, n] of [[3, 5, 4], [64, 17, 1], [1, 64, 33]]) {
      const a = Float32Array.from({length: m * k}, (_, i) => Math.sin(i * 0.37) * 2)
      const b = Float32Array.from({length: k * n}, (_, i) => Math.cos(i * 0.11) - 0.25)
      const c = await matmul(a, b, m, k, n, 'cpu')
      expect(c.length).toBe(m * n)
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let exact = 0
          let scale = 0
          for (let p = 0; p < k; p++) {
            exact += a[i * k + p] * b[p * n + j]
            scale += Math.abs(a[i * k + p] * b[p * n + j])
          }
          expect(Math.abs(c[i * n + j] - exact)).toBeLessThanOrEqual(scale * k * 2 ** -23 + 1e-30)
        }
      }
    }
  })

  it('refuses arrays that do not fit the shapes', async () => {
    await expect(matmul(new Float32Array(5), new Float32Array(6), 2, 3, 2, 'cpu')).rejects.toThrow('matmul: A has 5 values for [2, 3], B 6 for [3, 2]')
  })
})
