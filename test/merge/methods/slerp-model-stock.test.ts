import {modelStockRatio} from '../../../src/compute/model-stock'
import {slerpCoefficients} from '../../../src/compute/slerp'
import {CmaamError} from '../../../src/errors'
import {useTempDir} from '../../helpers/temp-dir'
import {f32, mergeModels, model, NAMES} from './fixture'

/** mergekit's slerp, written out: angle from the normalised copies, lerp when nearly parallel. */
function naiveSlerp(t: number, v0: number[], v1: number[]): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0))
  const n0 = norm(v0)
  const n1 = norm(v1)
  const lerp = () => v0.map((x, i) => x + t * (v1[i] - x))
  if (n0 <= 1e-8 || n1 <= 1e-8) return lerp()
  const dot = v0.reduce((a, x, i) => a + (x / n0) * (v1[i] / n1), 0)
  if (Math.abs(dot) > 0.9995) return lerp()
  const theta = Math.acos(dot)
  const s0 = Math.sin(theta - theta * t) / Math.sin(theta)
  const s1 = Math.sin(theta * t) / Math.sin(theta)
  return v0.map((x, i) => s0 * x + s1 * v1[i])
}

describe('slerp', () => {
  const tmp = useTempDir()
  const base = [0.5, -1, 2, 0.25, 3, -0.75]

  it('interpolates on the sphere between two tensors at an angle', async () => {
    const other = [1, 0.5, -1, 2, 0.125, 1.5]
    const {out} = await mergeModels(tmp(), model({all: base}), [model({all: other})], {method: 'slerp', params: {t: {default: 0.3, components: {}}}})
    const got = out.get(NAMES.language)!
    const want = naiveSlerp(0.3, base, other)
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6))
    // Not a straight line: the linear mix differs.
    expect(got).not.toEqual(f32(base.map((x, i) => x + 0.3 * (other[i] - x))))
  })

  it.each([
    ['parallel', base.map((x) => 2 * x)],
    ['opposite', base.map((x) => -x)],
  ])('falls back to lerp for %s tensors, as mergekit', async (_, other) => {
    const {out} = await mergeModels(tmp(), model({all: base}), [model({all: other})], {method: 'slerp', params: {t: {default: 0.3, components: {}}}})
    expect(out.get(NAMES.language)).toEqual(f32(base.map((x, i) => x + 0.3 * (other[i] - x))))
  })

  it('lerps a zero tensor', async () => {
    const zero = new Array(6).fill(0)
    const {out} = await mergeModels(tmp(), model({all: zero}), [model({all: base})], {method: 'slerp', params: {t: {default: 0.25, components: {}}}})
    expect(out.get(NAMES.language)).toEqual(f32(base.map((x) => 0.25 * x)))
  })

  it('t = 0 and t = 1 give the two models bit for bit, in the job and in its coefficients', async () => {
    const other = [1, 0.5, -1, 2, 0.125, 1.5]
    for (const [t, expected] of [[0, base], [1, other]] as const) {
      const {out} = await mergeModels(`${tmp()}/${t}`, model({all: base}), [model({all: other})], {method: 'slerp', params: {t: {default: t, components: {}}}})
      expect(out.get(NAMES.language)).toEqual(f32(expected))
    }
    const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0))
    const dot = base.reduce((a, x, i) => a + x * other[i], 0)
    expect(slerpCoefficients(0, norm(base), norm(other), dot)).toEqual({target: 1, source: 0})
    expect(slerpCoefficients(1, norm(base), norm(other), dot)).toEqual({target: 0, source: 1})
  })
})

describe('model_stock', () => {
  const tmp = useTempDir()

  it('moves toward the fine-tunes’ mean by t = N·cos θ / (1 + (N − 1)·cos θ)', async () => {
    const theta = Math.PI / 3
    const t = [1, 2, 3, 4]
    const a = [t[0] + 2, t[1], t[2], t[3]]
    const b = [t[0] + 2 * Math.fround(Math.cos(theta)), t[1] + 2 * Math.fround(Math.sin(theta)), t[2], t[3]].map(Math.fround)
    const {out, record} = await mergeModels(tmp(), model({all: t}), [model({all: a}), model({all: b})], {method: 'model_stock'})
    const da = a.map((x, i) => x - t[i])
    const db = b.map((x, i) => x - t[i])
    const cos = da.reduce((s, x, i) => s + x * db[i], 0) / Math.hypot(...da) / Math.hypot(...db)
    expect(cos).toBeCloseTo(0.5, 6)
    const ratio = (2 * cos) / (1 + cos)
    expect(out.get(NAMES.language)).toEqual(f32(t.map((x, i) => x + ratio * ((da[i] + db[i]) / 2))))
    expect(record.alphas.components.language!.mean).toBeCloseTo(2 / 3, 6)
  })

  it('identical fine-tunes (cos 1) give the fine-tune; fine-tunes equal to the base give the base', async () => {
    const t = [1, 2, 3, 4]
    const s = [1.5, 1, 3.25, 4]
    const same = await mergeModels(tmp(), model({all: t}), [model({all: s}), model({all: s})], {method: 'model_stock'})
    expect(same.out.get(NAMES.language)).toEqual(s)
    const none = await mergeModels(`${tmp()}/none`, model({all: t}), [model({all: t}), model({all: t})], {method: 'model_stock'})
    expect(none.out.get(NAMES.language)).toEqual(t)
  })

  it('is refused with one source, saying why', async () => {
    const error = await mergeModels(tmp(), model({all: [1]}), [model({all: [2]})], {method: 'model_stock'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CmaamError)
    expect((error as CmaamError).message).toBe('--method model_stock merges at least 2 sources, got 1')
    expect((error as CmaamError).hint).toContain('angle between fine-tunes')
  })

  it('floors the norm product ‖Δ₁‖·‖Δ₂‖ at mergekit’s 1e-6', () => {
    // Parallel task vectors with ‖Δ₁‖·‖Δ₂‖ = 1e-7: the cosine is 1e-7 / 1e-6 = 0.1, not 1.
    const cos = 0.1
    expect(modelStockRatio([[1e-8, 1e-7], [1e-7, 1e-6]])).toBeCloseTo((2 * cos) / (1 + cos), 12)
    // Above the floor, the true cosine: 1, so t = 1.
    expect(modelStockRatio([[1e-2, 1e-2], [1e-2, 1e-2]])).toBeCloseTo(1, 12)
  })
})
