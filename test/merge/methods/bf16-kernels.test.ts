import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {writeSafetensors} from '../../../src/io/safetensors/write-safetensors'
import {runMerge} from '../../../src/merge/run-merge'
import type {RescaleMode} from '../../../src/merge/methods/types'
import {useTempDir} from '../../helpers/temp-dir'
import {mergeSettings, tensorBytes} from '../helpers'
import {QWEN2VL_CONFIG} from './fixture'

/**
 * The bf16 merges of the task-vector methods, SLERP and Model Stock run in the SIMD kernels; the same
 * values stored as float32 and written as bf16 take the float64 JavaScript loops. Both must write
 * the same bytes (the kernels compute the same float64 operations in the same order, rounding once).
 */

/** A small LCG, independent of the code under test. */
function lcg(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)
function bf16(x: number): number {
  f32[0] = x
  return u32[0] >>> 16
}

// One tensor larger than two chunks (262,144 values each), lengths that are not multiples of 4.
const LAYOUT = [
  {name: 'model.layers.0.mlp.up_proj.weight', count: 600_007},
  {name: 'visual.blocks.0.mlp.fc1.weight', count: 1001},
  {name: 'visual.merger.mlp.0.weight', count: 7},
  {name: 'model.embed_tokens.weight', count: 4099},
]

/**
 * Values that make the kernels' shortcuts wrong if taken unguarded: zeros of either sign (a zero sum
 * is +0), and values far below the target's (s − t then rounds, in float32 and even in float64), of
 * which subnormals are farthest. Far values are only in a tensor's first eighth and subnormals only in
 * its first sixteenth, so that blocks without them remain.
 */
const ZEROS = [0x0000, 0x8000]
const FAR = [bf16(1e-30), bf16(-3e-20), bf16(2e-7)]
const SUBNORMAL = [0x0001, 0x8003]

/**
 * Target bits (every 101st a zero, alternately −0 and +0), and fine-tunes that keep a value, move it
 * by a few bf16 steps (exact ties of |Δ| abound) or by a lot, or make it a zero, far or subnormal value.
 */
function modelBits(count: number, seed: number, sources: number): Uint16Array[] {
  const random = lcg(seed)
  const target = Uint16Array.from({length: count}, (_, i) => (i % 101 === 0 ? (i % 202 === 0 ? 0x8000 : 0) : bf16((random() - 0.5) * 0.1)))
  const fineTunes = Array.from({length: sources}, () =>
    target.map((bits, i) => {
      const r = random()
      if (r < 0.01) {
        const special = [...ZEROS, ...(i < count / 8 ? FAR : []), ...(i < count / 16 ? SUBNORMAL : [])]
        return special[Math.floor(random() * special.length)]
      }
      if (r < 0.1) return bits
      // A step off a zero would wrap into NaN.
      if (r < 0.8) return (bits & 0x7fff) === 0 ? bits : (bits + Math.floor(random() * 7) - 3) & 0xffff
      return bf16((random() - 0.5) * 0.2)
    }),
  )
  return [target, ...fineTunes]
}

describe('bf16 merges in the SIMD kernels', () => {
  const tmp = useTempDir()

  async function writeModels(dir: string, sources: number, nan = false): Promise<{bf16: string[]; f32: string[]}> {
    const bits = LAYOUT.map((t, i) => modelBits(t.count, 17 + i, sources))
    // A NaN in the target's second chunk: that chunk is redone the float64 way.
    if (nan) bits[0][0][270_001] = 0x7fc0
    const dirs = {bf16: [] as string[], f32: [] as string[]}
    for (let m = 0; m <= sources; m++) {
      for (const dtype of ['BF16', 'F32'] as const) {
        const at = join(dir, dtype, `model${m}`)
        mkdirSync(at, {recursive: true})
        const data = (b: Uint16Array) => (dtype === 'BF16' ? new Uint8Array(b.buffer.slice(0)) : new Uint8Array(Uint32Array.from(b, (x) => x << 16).buffer))
        await writeSafetensors(join(at, 'model.safetensors'), LAYOUT.map((t, i) => ({name: t.name, dtype, shape: [t.count], data: data(bits[i][m])})))
        writeFileSync(join(at, 'config.json'), JSON.stringify(QWEN2VL_CONFIG))
        dirs[dtype === 'BF16' ? 'bf16' : 'f32'].push(at)
      }
    }
    return dirs
  }

  // One source with a band takes its own kernel for a positive weight between 2⁻⁴⁰⁰ and 2⁴⁰⁰: each
  // of its factors (× w, × 1/w or ÷ w, ÷ the divisor, × λ) in some case, and weights outside it; with
  // every factor 1 (weight 1, λ 1), a kernel that selects each value.
  const cases: Array<[string, number, Record<string, number | string | boolean>, number[] | null]> = [
    ['ties', 3, {density: 0.3, lambda: 0.9}, [1, 0.5, 2]],
    ['ties', 1, {density: 0.5}, null],
    ['breadcrumbs', 1, {density: 0.5, gamma: 0.02}, null],
    ['breadcrumbs', 1, {density: 0.3, gamma: 0.1, normalize: false}, null],
    ['ties', 1, {density: 0.4, lambda: 0.9}, [0.7]],
    ['ties', 1, {density: 0.4}, [-0.5]],
    ['ties', 1, {density: 0.6}, [0.25]],
    ['ties', 1, {density: 0.6, lambda: 1.3, normalize: false}, [0.7]],
    ['ties', 1, {density: 0.5}, [1e-130]],
    ['breadcrumbs', 1, {density: 0.5, gamma: 0.02}, [3]],
    ['breadcrumbs', 1, {density: 0.4, gamma: 0.05, lambda: 0.8, normalize: true}, [0.7]],
    ['breadcrumbs', 1, {density: 0.4, gamma: 0.05, normalize: true}, [0.5]],
    ['dare_ties', 1, {density: 0.5}, [0.25]],
    ['dare_linear', 1, {density: 0.3, lambda: 1.2}, null],
    ['task_arithmetic', 1, {}, [0.6]],
    ['breadcrumbs', 2, {density: 0.6, gamma: 0.05}, [0.7, 0.4]],
    ['dare_ties', 3, {density: 0.4}, [1, -0.5, 2]],
    ['dare_linear', 2, {density: 0.7, lambda: 1.5}, null],
    ['dare_linear', 2, {density: 0.5, rescale: 'l1'}, [1, 0.5]],
    ['task_arithmetic', 3, {lambda: 0.8}, [0.6, 0.3, 0.1]],
    ['slerp', 1, {t: 0.3}, null],
    ['model_stock', 3, {}, null],
    ['model_stock', 2, {}, null],
  ]

  it.each(cases)('%s with %i source(s) %j, weights %j: writes the bytes of the float64 path', async (method, sources, params, weights) => {
    await expectSameBytes(method, sources, params, weights, false)
  })

  it.each(cases)('%s with %i source(s) %j, weights %j: a chunk holding a NaN is redone in float64, the other chunks stay in SIMD', async (method, sources, params, weights) => {
    await expectSameBytes(method, sources, params, weights, true)
  })

  async function expectSameBytes(method: string, sources: number, params: Record<string, number | string | boolean>, weights: number[] | null, nan: boolean): Promise<void> {
    const {rescale, normalize, ...numbers} = params
    const dirs = await writeModels(tmp(), sources, nan)
    const merge = async (kind: 'bf16' | 'f32') => {
      const output = join(tmp(), `out-${kind}`)
      await runMerge(
        mergeSettings({
          method,
          source: dirs[kind].slice(1),
          target: dirs[kind][0],
          output,
          seed: 9,
          weights,
          normalize: (normalize as boolean | undefined) ?? (method === 'task_arithmetic' ? true : null),
          params: Object.fromEntries(Object.entries(numbers).map(([k, v]) => [k, {default: v as number, components: {}}])),
          rescale: rescale as RescaleMode | undefined,
          dtype: kind === 'bf16' ? 'keep' : 'BF16',
          allowNonfinite: nan,
        }),
      )
      return tensorBytes(output)
    }
    const [simd, float64] = [await merge('bf16'), await merge('f32')]
    for (const t of LAYOUT) {
      const a = simd.get(t.name)!
      const b = float64.get(t.name)!
      expect(a.length).toBe(2 * t.count)
      expect(a.equals(b)).toBe(true)
    }
    // The fine-tunes moved every tensor, so a merge that kept the target would not pass unnoticed (a NaN
    // makes Model Stock's ratio 0: it keeps the target).
    if (!nan) expect(simd.get(LAYOUT[0].name)!.equals((await tensorBytes(dirs.bf16[0])).get(LAYOUT[0].name)!)).toBe(false)
    if (nan) {
      const bits = simd.get(LAYOUT[0].name)!.readUInt16LE(2 * 270_001)
      expect((bits & 0x7f80) === 0x7f80 && (bits & 0x7f) !== 0).toBe(true)
    }
  }
})
