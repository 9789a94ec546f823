import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {CmaamError} from '../../../src/errors'
import {runMerge} from '../../../src/merge/run-merge'
import {useTempDir} from '../../helpers/temp-dir'
import {mergeSettings, tensorBytes, writeF32Model, type F32Tensor} from '../helpers'
import {f32} from './fixture'

const HIDDEN = 2
const seq = (n: number, from: number): number[] => Array.from({length: n}, (_, i) => from + i / 4)

/** A Qwen2-VL with 8 vocabulary rows in the legacy layout (`model.*`, `visual.*`) or the transformers ≥ 4.52 one. */
function vlm(layout: 'legacy' | 'v4.52'): F32Tensor[] {
  const lm = layout === 'legacy' ? 'model.' : 'model.language_model.'
  const visual = layout === 'legacy' ? 'visual.' : 'model.visual.'
  return [
    {name: `${visual}blocks.0.attn.qkv.weight`, shape: [2, 2], values: seq(4, 1)},
    {name: `${visual}merger.mlp.0.weight`, shape: [2, 2], values: seq(4, 2)},
    {name: `${lm}embed_tokens.weight`, shape: [8, HIDDEN], values: seq(16, 3)},
    {name: `${lm}layers.0.self_attn.q_proj.weight`, shape: [2, 2], values: seq(4, 4)},
    {name: `${lm}layers.0.mlp.up_proj.weight`, shape: [2, 2], values: seq(4, 5)},
    {name: `${lm}norm.weight`, shape: [2], values: [1, 1]},
    {name: 'lm_head.weight', shape: [8, HIDDEN], values: seq(16, 6)},
  ]
}

/** A text-only Qwen2 fine-tune of the same LLM with `rows` vocabulary rows. */
function llm(rows: number): F32Tensor[] {
  return [
    {name: 'model.embed_tokens.weight', shape: [rows, HIDDEN], values: seq(rows * HIDDEN, 13)},
    {name: 'model.layers.0.self_attn.q_proj.weight', shape: [2, 2], values: seq(4, 14)},
    {name: 'model.layers.0.mlp.up_proj.weight', shape: [2, 2], values: seq(4, 15)},
    {name: 'model.norm.weight', shape: [2], values: [2, 2]},
    {name: 'lm_head.weight', shape: [rows, HIDDEN], values: seq(rows * HIDDEN, 16)},
    {name: 'model.rotary_emb.inv_freq', shape: [1], values: [1]},
  ]
}

const VLM_CONFIG = {model_type: 'qwen2_vl', architectures: ['Qwen2VLForConditionalGeneration']}
const LLM_CONFIG = {model_type: 'qwen2', architectures: ['Qwen2ForCausalLM']}

describe('a text-only LLM merged into a VLM’s language model', () => {
  const tmp = useTempDir()

  it.each(['legacy', 'v4.52'] as const)('maps its names onto the %s layout; vision and bridge stay the target’s; a resized vocabulary merges its common rows', async (layout) => {
    const target = vlm(layout)
    const source = llm(6)
    await writeF32Model(join(tmp(), 'vlm'), target, VLM_CONFIG)
    await writeF32Model(join(tmp(), 'llm'), source, LLM_CONFIG)
    const output = join(tmp(), 'out')
    const record = await runMerge(mergeSettings({source: join(tmp(), 'llm'), target: join(tmp(), 'vlm'), output, method: 'linear', linearAlpha: 0.5}))
    const out = new Map([...(await tensorBytes(output))].map(([name, bytes]) => [name, [...new Float32Array(Uint8Array.from(bytes).buffer)]]))
    expect([...out.keys()].sort()).toEqual(target.map((t) => t.name).sort())
    const byName = new Map(target.map((t) => [t.name, t.values]))
    const lerp = (t: number[], s: number[]) => f32(t.map((x, i) => x + 0.5 * (s[i] - x)))
    const lm = layout === 'legacy' ? 'model.' : 'model.language_model.'
    const visual = layout === 'legacy' ? 'visual.' : 'model.visual.'
    // Vision and bridge: the target's; decoder layers and norm: merged with the LLM's.
    expect(out.get(`${visual}blocks.0.attn.qkv.weight`)).toEqual(byName.get(`${visual}blocks.0.attn.qkv.weight`))
    expect(out.get(`${visual}merger.mlp.0.weight`)).toEqual(byName.get(`${visual}merger.mlp.0.weight`))
    expect(out.get(`${lm}layers.0.self_attn.q_proj.weight`)).toEqual(lerp(byName.get(`${lm}layers.0.self_attn.q_proj.weight`)!, seq(4, 14)))
    expect(out.get(`${lm}norm.weight`)).toEqual([1.5, 1.5])
    // Vocabulary 8 rows in the VLM, 6 in the LLM: rows 0–5 merged, rows 6–7 the target's.
    for (const [name, from] of [[`${lm}embed_tokens.weight`, 13], ['lm_head.weight', 16]] as const) {
      const t = byName.get(name)!
      expect(out.get(name)).toEqual([...lerp(t.slice(0, 12), seq(12, from)), ...t.slice(12)])
    }
    expect(record.compatibility.vocabulary_rows).toEqual([
      {name: `${lm}embed_tokens.weight`, target_rows: 8, source_rows: [6], merged_rows: 6},
      {name: 'lm_head.weight', target_rows: 8, source_rows: [6], merged_rows: 6},
    ])
    expect(record.compatibility.text_sources).toEqual([{source: join(tmp(), 'llm'), unmapped: ['model.rotary_emb.inv_freq']}])
    expect(record.compatibility).toMatchObject({merged: 5, source_only: 0, target_only: 2})
    const card = readFileSync(join(output, 'README.md'), 'utf8')
    expect(card).toContain('is a text-only LLM: its decoder was merged into the target')
    expect(card).toContain('Vocabulary resized: `lm_head.weight` has 8 rows in the target and 6 in the source; its first 6 rows were merged and the other 2 kept from the target.')
  })

  it('refuses a text model whose decoder does not match', async () => {
    await writeF32Model(join(tmp(), 'vlm'), vlm('legacy'), VLM_CONFIG)
    const wrong = llm(8).map((t) => (t.name === 'model.layers.0.mlp.up_proj.weight' ? {...t, shape: [1, 4]} : t))
    await writeF32Model(join(tmp(), 'llm'), [...wrong, {name: 'model.layers.1.mlp.up_proj.weight', shape: [1], values: [0]}], LLM_CONFIG)
    const error = await runMerge(mergeSettings({source: join(tmp(), 'llm'), target: join(tmp(), 'vlm'), output: join(tmp(), 'out'), method: 'linear'})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CmaamError)
    expect((error as CmaamError).message).toMatch(/is a text model whose decoder does not match .*: (model\.layers\.0\.mlp\.up_proj\.weight is \[1,4\]|it has model\.layers\.1)/)
    expect((error as CmaamError).hint).toContain('same base LLM')
  })
})
