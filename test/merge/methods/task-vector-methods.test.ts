import {createRandom} from '../../../src/compute/random'
import {useTempDir} from '../../helpers/temp-dir'
import {f32, mergeModels, model, NAMES} from './fixture'

/** Indices kept by a magnitude band: descending |Δ| order, earlier index first among equals; ranks [from, to). */
function naiveBand(delta: number[], from: number, to: number): boolean[] {
  const order = delta.map((d, i) => ({m: Math.abs(d), i})).sort((a, b) => b.m - a.m || a.i - b.i)
  const kept = new Array<boolean>(delta.length).fill(false)
  for (let r = from; r < to; r++) kept[order[r].i] = true
  return kept
}

/** mergekit's generalized task arithmetic, element by element, straight from its definition. */
function naiveTaskVector(
  t: number[],
  sources: number[][],
  o: {keep?: (delta: number[]) => boolean[]; consensus: boolean; normalize: boolean; lambda: number; weights: number[]},
): number[] {
  const deltas = sources.map((s) => {
    const d = s.map((x, i) => x - t[i])
    const kept = o.keep ? o.keep(d) : d.map(() => true)
    return d.map((x, i) => (kept[i] ? x : 0))
  })
  return t.map((base, j) => {
    const weighted = deltas.map((d, i) => o.weights[i] * d[j])
    let mixed: number
    if (o.consensus) {
      const elected = weighted.reduce((a, b) => a + b, 0) >= 0 ? 1 : -1
      const agree = weighted.map((x) => Math.sign(x) === elected)
      mixed = weighted.reduce((sum, x, i) => (agree[i] ? sum + x : sum), 0)
      const divisor = o.weights.reduce((sum, w, i) => (agree[i] ? sum + w : sum), 0)
      if (o.normalize) mixed /= divisor === 0 ? 1 : divisor
    } else {
      mixed = weighted.reduce((a, b) => a + b, 0)
      const divisor = o.weights.reduce((a, b) => a + b, 0)
      if (o.normalize) mixed /= Math.abs(divisor) < 1e-8 ? 1 : divisor
    }
    return base + o.lambda * mixed
  })
}

function randomValues(n: number, seed: number, scale = 1): number[] {
  const random = createRandom(seed, 'values')
  // Values on a coarse grid, so that magnitudes tie now and then.
  return Array.from({length: n}, () => Math.fround(Math.round((random.next() * 2 - 1) * 64) / 64) * scale)
}

describe('task-vector methods, against independent computations', () => {
  const tmp = useTempDir()

  it('task_arithmetic: target + λ·Σ wᵢ·Δᵢ over two sources', async () => {
    const t = randomValues(300, 1)
    const s = [randomValues(300, 2), randomValues(300, 3)]
    const {out} = await mergeModels(tmp(), model({all: t}), s.map((v) => model({all: v})), {method: 'task_arithmetic', params: {lambda: {default: 0.7, components: {}}}, weights: [0.6, 0.3]})
    const want = f32(naiveTaskVector(t, s, {consensus: false, normalize: false, lambda: 0.7, weights: [0.6, 0.3]}))
    for (const name of Object.values(NAMES)) expect(out.get(name)).toEqual(want)
  })

  it('ties: sign election with a tie (+ wins), disjoint mean, an all-zero column left at the target', async () => {
    // Columns: 0 a tie (+1 vs −1) → +1 alone; 1 both positive → mean; 2 signs disagree, sum negative
    // → only the negative one; 3 all zero → target; 4 one trimmed away.
    const t = [1, 1, 1, 1, 1, 1, 1, 1]
    const a = [2, 3, 1.5, 1, 1.01, 1, 1, 1]
    const b = [0, 5, -2, 1, 1, 1, 1, 1]
    // |Δa| = 1, 2, .5, 0, .01, 0, 0, 0 and |Δb| = 1, 4, 3, 0, 0 … : density 0.375 keeps 3 of 8 entries.
    const {out} = await mergeModels(tmp(), model({all: t}), [model({all: a}), model({all: b})], {method: 'ties', params: {density: {default: 0.375, components: {}}}})
    const got = out.get(NAMES.language)!
    expect(got[0]).toBe(2) // tie: Δa = +1 and Δb = −1; the elected sign is +, only Δa agrees
    expect(got[1]).toBe(Math.fround(1 + (2 + 4) / 2)) // both agree: their mean
    expect(got[2]).toBe(-2) // Δa = +0.5, Δb = −3: sum −2.5 elects −, only Δb: 1 − 3
    expect(got[3]).toBe(1) // all-zero column: divisor 0 → 1, the target stays
    expect(got[4]).toBe(1) // Δa = 0.01 is not in a's top 3
    const want = f32(naiveTaskVector(t, [a, b], {keep: (d) => naiveBand(d, 0, 3), consensus: true, normalize: true, lambda: 1, weights: [1, 1]}))
    expect(got).toEqual(want)
  })

  it.each([0.1, 0.5, 0.9])('ties (density %s, weights, λ) equals the naive TIES on random tensors with tied magnitudes', async (density) => {
    const n = 1000
    const t = randomValues(n, 4)
    const s = [randomValues(n, 5), randomValues(n, 6), randomValues(n, 7)]
    const {out} = await mergeModels(tmp(), model({all: t}), s.map((v) => model({all: v})), {
      method: 'ties',
      params: {density: {default: density, components: {}}, lambda: {default: 0.8, components: {}}},
      weights: [1, 0.5, 2],
    })
    const k = Math.floor(density * n)
    const want = f32(naiveTaskVector(t, s, {keep: (d) => naiveBand(d, 0, k), consensus: true, normalize: true, lambda: 0.8, weights: [1, 0.5, 2]}))
    expect(out.get(NAMES.language)).toEqual(want)
  })

  it('ties on a tensor larger than a chunk (thresholds found by histogram passes, not one sort)', async () => {
    const n = 300_000
    const t = randomValues(n, 12)
    const s = [randomValues(n, 13), randomValues(n, 14)]
    const {out} = await mergeModels(tmp(), model({language: t, vision: [0], bridge: [0], shared: [0]}), s.map((v) => model({language: v, vision: [0], bridge: [0], shared: [0]})), {
      method: 'ties',
      params: {density: {default: 0.5, components: {}}},
    })
    const want = f32(naiveTaskVector(t, s, {keep: (d) => naiveBand(d, 0, n / 2), consensus: true, normalize: true, lambda: 1, weights: [1, 1]}))
    const got = out.get(NAMES.language)!
    expect(got.length).toBe(n)
    expect(got.every((v, i) => v === want[i])).toBe(true)
  })

  it('breadcrumbs: keeps the band between the largest gamma and the smallest entries', async () => {
    const t = new Array(10).fill(0)
    const s = [[10, -9, 8, -7, 6, -5, 4, -3, 2, -1]]
    // density 0.5, gamma 0.2: drop the 2 largest and the 3 smallest, keep ranks 2..6 (8 … 4).
    const {out} = await mergeModels(tmp(), model({all: t}), s.map((v) => model({all: v})), {
      method: 'breadcrumbs',
      params: {density: {default: 0.5, components: {}}, gamma: {default: 0.2, components: {}}},
    })
    expect(out.get(NAMES.language)).toEqual([0, 0, 8, -7, 6, -5, 4, 0, 0, 0])
    // Random tensors with ties, two sources, against the naive band.
    const r = randomValues(2000, 8)
    const rs = [randomValues(2000, 9), randomValues(2000, 10)]
    const second = await mergeModels(tmp() + '/b', model({all: r}), rs.map((v) => model({all: v})), {
      method: 'breadcrumbs',
      params: {density: {default: 0.6, components: {}}, gamma: {default: 0.05, components: {}}},
    })
    const want = f32(naiveTaskVector(r, rs, {keep: (d) => naiveBand(d, 100, 1300), consensus: false, normalize: false, lambda: 1, weights: [1, 1]}))
    expect(second.out.get(NAMES.language)).toEqual(want)
  })

  it('breadcrumbs: with no room for both cuts, fewer of the largest are dropped (mergekit)', async () => {
    const s = [[10, -9, 8, -7, 6, -5, 4, -3, 2, -1]]
    // density 0.9, gamma 0.2: 9 kept + 2 top > 10, so only 1 of the largest is dropped.
    const {out} = await mergeModels(tmp(), model({all: new Array(10).fill(0)}), s.map((v) => model({all: v})), {
      method: 'breadcrumbs',
      params: {density: {default: 0.9, components: {}}, gamma: {default: 0.2, components: {}}},
    })
    expect(out.get(NAMES.language)).toEqual([0, -9, 8, -7, 6, -5, 4, -3, 2, -1])
  })

  it.each(['dare_linear', 'dare_ties'])('%s: keeps about density of the entries, rescaled by 1/density, reproducibly per seed', async (method) => {
    const n = 20000
    const t = randomValues(n, 11)
    const s = t.map((x, i) => x + (i % 2 ? 0.5 : -0.25))
    const run = (dir: string, seed: number) =>
      mergeModels(dir, model({all: t}), [model({all: s})], {method, seed, params: {density: {default: 0.3, components: {}}}})
    const a = await run(tmp() + '/a', 5)
    const got = a.out.get(NAMES.language)!
    let kept = 0
    for (let i = 0; i < n; i++) {
      const delta = s[i] - t[i]
      if (got[i] === Math.fround(t[i])) continue
      expect(got[i]).toBe(Math.fround(t[i] + delta / 0.3))
      kept++
    }
    // Binomial(20000, 0.3): σ ≈ 65.
    expect(Math.abs(kept / n - 0.3)).toBeLessThan(0.015)
    const again = await run(tmp() + '/again', 5)
    expect(again.out).toEqual(a.out)
    const other = await run(tmp() + '/other', 6)
    expect(other.out.get(NAMES.language)).not.toEqual(got)
    // Keyed by tensor name: another tensor with the same values gets another mask.
    expect(a.out.get(NAMES.vision)).not.toEqual(got)
  })

  it.each(['dare_linear', 'dare_ties'])('%s --rescale l1: kept entries × ‖Δ‖₁/‖kept‖₁ of their task vector (mergekit ≥ 0.1); none leaves them', async (method) => {
    // More than a chunk (262,144 values): the L1 sums and the write pass must draw the same masks across chunks.
    const n = 270_000
    // + 0: no −0 in the target, so that an untouched entry compares equal to its output.
    const t = randomValues(n, 21).map((x) => x + 0)
    const s = randomValues(n, 22).map((x, i) => t[i] + x + (i % 3 === 0 ? 0.5 : 0))
    const run = (dir: string, rescale: 'l1' | 'none' | 'density') =>
      mergeModels(dir, model({all: t}), [model({all: s})], {method, seed: 9, rescale, params: {density: {default: 0.4, components: {}}}})
    const l1 = (await run(tmp() + '/l1', 'l1')).out.get(NAMES.language)!
    const none = (await run(tmp() + '/none', 'none')).out.get(NAMES.language)!
    const density = (await run(tmp() + '/density', 'density')).out.get(NAMES.language)!
    // The kept entries: those `none` moved off the target (every Δ here is non-zero in float32).
    const delta = s.map((x, i) => x - t[i])
    const kept = none.map((x, i) => x !== Math.fround(t[i]))
    let all = 0
    let keptSum = 0
    for (let i = 0; i < n; i++) {
      all += Math.abs(delta[i])
      if (kept[i]) keptSum += Math.abs(delta[i])
    }
    const ratio = all / keptSum
    expect(ratio).toBeGreaterThan(2)
    const wrong: number[] = []
    for (let i = 0; i < n; i++) {
      const ok = kept[i]
        ? none[i] === Math.fround(t[i] + delta[i]) && density[i] === Math.fround(t[i] + delta[i] / 0.4) && Math.abs(l1[i] - (t[i] + delta[i] * ratio)) <= Math.abs(t[i] + delta[i] * ratio) * 2 ** -23
        : l1[i] === Math.fround(t[i]) && density[i] === Math.fround(t[i])
      if (!ok) wrong.push(i)
    }
    expect(wrong).toEqual([])
  })
})
