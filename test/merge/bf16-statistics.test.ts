import {join} from 'node:path'
import {writeSafetensors} from '../../src/io/safetensors/write-safetensors'
import {runAnalysis} from '../../src/merge/run-analysis'
import {silentProgress} from '../../src/progress'
import {useTempDir} from '../helpers/temp-dir'
import {expectClose} from './analysis/naive'
import {mkdirSync, writeFileSync} from 'node:fs'

/** bf16 bit patterns near ordinary weights (a generator independent of the code under test). */
function bf16Bits(seed: number, n: number, offset: number, spread: number): Uint16Array {
  let state = seed >>> 0
  const f32 = new Float32Array(1)
  const u32 = new Uint32Array(f32.buffer)
  return Uint16Array.from({length: n}, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    f32[0] = offset + spread * (state / 2 ** 32 - 0.5)
    return u32[0] >>> 16
  })
}

// Tensors bigger than the 50,000-value PDA sample, lengths not multiples of 4.
const LAYOUT = [
  {name: 'visual.blocks.0.mlp.fc1.weight', shape: [301, 201], offset: 0, spread: 0.04},
  {name: 'visual.merger.mlp.0.weight', shape: [257, 255], offset: 0, spread: 0.1},
  {name: 'model.embed_tokens.weight', shape: [1001, 61], offset: 0.01, spread: 0.02},
  {name: 'model.layers.0.self_attn.q_proj.weight', shape: [233, 233], offset: 0, spread: 0.06},
  {name: 'model.layers.0.input_layernorm.weight', shape: [70001], offset: 1, spread: 0.01},
]
const CONFIG = {model_type: 'qwen2_vl', architectures: ['Qwen2VLForConditionalGeneration']}

describe('the bf16 statistics pass (SIMD sums, bf16 samples)', () => {
  const tmp = useTempDir()

  it('gives the analysis of the same values stored as float32 (the generic path)', async () => {
    for (const [role, seed] of [['source', 7], ['target', 8]] as const) {
      const tensors = LAYOUT.map((t, i) => ({...t, bits: bf16Bits(seed * 100 + i, t.shape.reduce((p, d) => p * d, 1), t.offset, t.spread)}))
      for (const dtype of ['BF16', 'F32'] as const) {
        const dir = join(tmp(), dtype, role)
        mkdirSync(dir, {recursive: true})
        const data = (bits: Uint16Array): Uint8Array =>
          dtype === 'BF16' ? new Uint8Array(bits.buffer) : new Uint8Array(Uint32Array.from(bits, (b) => b << 16).buffer)
        await writeSafetensors(join(dir, 'model.safetensors'), tensors.map((t) => ({name: t.name, dtype, shape: t.shape, data: data(t.bits)})))
        writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG))
      }
    }
    const analyze = (dtype: string) =>
      runAnalysis({
        sources: [join(tmp(), dtype, 'source')],
        target: join(tmp(), dtype, 'target'),
        methods: {method: {default: 'cmaam', components: {}}, params: {}, weights: null, normalize: null, alphaFrom: null},
        alpha: {strategy: 'full'},
        modelType: 'auto',
        compat: 'default',
        seed: 3,
        allowNonfinite: false,
        threads: 1,
        device: 'cpu',
        progress: silentProgress,
      })
    const [bf16, f32] = await Promise.all([analyze('BF16'), analyze('F32')])
    expectClose(bf16.analysis, f32.analysis)
    expectClose(bf16.alphas, f32.alphas)
  })
})
