import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {writeSafetensors} from '../../src/io/safetensors/write-safetensors'
import {runLoraMerge} from '../../src/merge/run-lora-merge'
import {BF16, roundExact} from '../compute/exact-rounding'
import {useTempDir} from '../helpers/temp-dir'
import {tensorBytes} from '../merge/helpers'
import {eighths, expectedF32, f32Bytes, loraSettings, product, transpose, weights, writeAdapter, writeModel, type Matrix} from './helpers'

const dir = useTempDir()

/** A Qwen2-VL-like base in the classic layout (transformers < 4.52); `layout: 'new'` renames it as ≥ 4.52 does. */
function baseTensors(layout: 'classic' | 'new' = 'classic'): Record<string, Matrix> {
  const lm = layout === 'new' ? 'model.language_model.' : 'model.'
  const visual = layout === 'new' ? 'model.visual.' : 'visual.'
  return {
    [`${visual}blocks.0.attn.qkv.weight`]: weights(9, 4, 1),
    [`${lm}embed_tokens.weight`]: weights(10, 5, 2),
    [`${lm}layers.0.self_attn.q_proj.weight`]: weights(6, 5, 3),
    [`${lm}layers.0.mlp.down_proj.weight`]: weights(5, 7, 4),
    [`${lm}layers.1.self_attn.q_proj.weight`]: weights(6, 5, 5),
    'lm_head.weight': weights(10, 5, 6),
  }
}

const Q0 = 'model.layers.0.self_attn.q_proj'
const Q1 = 'model.layers.1.self_attn.q_proj'
const DOWN = 'model.layers.0.mlp.down_proj'

/** lora_A [r, in] and lora_B [out, r] for a module whose weight is [out, in]. */
function factors(module: string, out: number, inDim: number, r: number, seed: number, adapterName = ''): Record<string, Matrix> {
  const suffix = adapterName ? `.${adapterName}` : ''
  return {
    [`base_model.model.${module}.lora_A${suffix}.weight`]: eighths(r, inDim, seed),
    [`base_model.model.${module}.lora_B${suffix}.weight`]: eighths(out, r, seed + 1),
  }
}

/** B·A of a module's factors, from the adapter's own matrices. */
function deltaOf(adapter: Record<string, Matrix>, module: string, adapterName = ''): Matrix {
  const suffix = adapterName ? `.${adapterName}` : ''
  return product(adapter[`base_model.model.${module}.lora_B${suffix}.weight`], adapter[`base_model.model.${module}.lora_A${suffix}.weight`])
}

async function merge(base: Record<string, Matrix>, config: Record<string, unknown>, adapter: Record<string, Matrix>, dtype: 'keep' | 'BF16' = 'keep'): Promise<Map<string, Buffer>> {
  await writeModel(join(dir(), 'base'), base)
  await writeAdapter(join(dir(), 'adapter'), config, adapter)
  await runLoraMerge(loraSettings({base: join(dir(), 'base'), adapter: join(dir(), 'adapter'), output: join(dir(), 'out'), dtype}))
  return tensorBytes(join(dir(), 'out'))
}

function expectUnchanged(out: Map<string, Buffer>, base: Record<string, Matrix>, names: string[]): void {
  for (const name of names) expect(out.get(name)).toEqual(Buffer.from(f32Bytes(base[name].values)))
}

describe('lora merge: W + s·B·A, checked against products computed here', () => {
  it('applies a standard adapter (s = lora_alpha / r) to the modules it targets and leaves the rest', async () => {
    const base = baseTensors()
    const adapter = {...factors(Q0, 6, 5, 2, 1), ...factors(DOWN, 5, 7, 2, 3), ...factors(Q1, 6, 5, 2, 5)}
    const out = await merge(base, {r: 2, lora_alpha: 6, target_modules: ['q_proj', 'down_proj']}, adapter)
    for (const module of [Q0, DOWN, Q1]) {
      expect(out.get(`${module}.weight`)).toEqual(Buffer.from(f32Bytes(expectedF32(base[`${module}.weight`], 3, deltaOf(adapter, module)))))
    }
    expectUnchanged(out, base, ['visual.blocks.0.attn.qkv.weight', 'model.embed_tokens.weight', 'lm_head.weight'])
    const card = readFileSync(join(dir(), 'out', 'README.md'), 'utf8')
    expect(card).toMatch(/^base_model_relation: finetune$/m)
    expect(card).toContain('r = 2, lora_alpha = 6')
    expect(JSON.parse(readFileSync(join(dir(), 'out', 'config.json'), 'utf8'))).toEqual({model_type: 'qwen2_vl'})
    const info = JSON.parse(readFileSync(join(dir(), 'out', 'cmaam_lora_info.json'), 'utf8'))
    expect(info.tensors).toEqual({updated: 3, replaced: 0, unchanged: 3})
  })

  it('uses lora_alpha / √r with use_rslora', async () => {
    const base = baseTensors()
    const adapter = factors(Q0, 6, 5, 3, 7)
    const out = await merge(base, {r: 3, lora_alpha: 5, use_rslora: true, target_modules: 'model\\.layers\\.\\d+\\.self_attn\\.q_proj'}, adapter)
    expect(out.get(`${Q0}.weight`)).toEqual(Buffer.from(f32Bytes(expectedF32(base[`${Q0}.weight`], 5 / Math.sqrt(3), deltaOf(adapter, Q0)))))
  })

  it('takes rank and alpha per module from rank_pattern and alpha_pattern', async () => {
    const base = baseTensors()
    const adapter = {...factors(Q0, 6, 5, 2, 1), ...factors(Q1, 6, 5, 3, 2), ...factors(DOWN, 5, 7, 2, 3)}
    const config = {r: 2, lora_alpha: 4, target_modules: ['q_proj', 'down_proj'], rank_pattern: {'model.layers.1.self_attn.q_proj': 3}, alpha_pattern: {down_proj: 12}}
    const out = await merge(base, config, adapter)
    const scales: Array<[string, number]> = [[Q0, 4 / 2], [Q1, 4 / 3], [DOWN, 12 / 2]]
    for (const [module, s] of scales) expect(out.get(`${module}.weight`)).toEqual(Buffer.from(f32Bytes(expectedF32(base[`${module}.weight`], s, deltaOf(adapter, module)))))
  })

  it('adds (B·A)ᵀ to weights stored [in, out] with fan_in_fan_out, and to embeddings', async () => {
    const base = {'transformer.h.0.attn.c_attn.weight': weights(5, 6, 1), 'transformer.wte.weight': weights(10, 5, 2)}
    const adapter = {
      ...factors('transformer.h.0.attn.c_attn', 6, 5, 2, 3),
      'base_model.model.transformer.wte.lora_embedding_A': eighths(2, 10, 5),
      'base_model.model.transformer.wte.lora_embedding_B': eighths(5, 2, 6),
    }
    const out = await merge(base, {r: 2, lora_alpha: 2, fan_in_fan_out: true, target_modules: ['c_attn', 'wte']}, adapter)
    const attnDelta = transpose(deltaOf(adapter, 'transformer.h.0.attn.c_attn'))
    const embedDelta = transpose(product(adapter['base_model.model.transformer.wte.lora_embedding_B'], adapter['base_model.model.transformer.wte.lora_embedding_A']))
    expect(out.get('transformer.h.0.attn.c_attn.weight')).toEqual(Buffer.from(f32Bytes(expectedF32(base['transformer.h.0.attn.c_attn.weight'], 1, attnDelta))))
    expect(out.get('transformer.wte.weight')).toEqual(Buffer.from(f32Bytes(expectedF32(base['transformer.wte.weight'], 1, embedDelta))))
  })

  it('replaces modules_to_save tensors, in either saved key form', async () => {
    const base = baseTensors()
    const head = weights(10, 5, 40)
    const embed = weights(10, 5, 41)
    const adapter = {...factors(Q0, 6, 5, 2, 1), 'base_model.model.lm_head.weight': head, 'base_model.model.model.embed_tokens.modules_to_save.default.weight': embed}
    const out = await merge(base, {r: 2, lora_alpha: 2, target_modules: ['q_proj'], modules_to_save: ['lm_head', 'embed_tokens']}, adapter)
    expect(out.get('lm_head.weight')).toEqual(Buffer.from(f32Bytes(head.values)))
    expect(out.get('model.embed_tokens.weight')).toEqual(Buffer.from(f32Bytes(embed.values)))
    expect(out.get(`${Q0}.weight`)).toEqual(Buffer.from(f32Bytes(expectedF32(base[`${Q0}.weight`], 1, deltaOf(adapter, Q0)))))
  })

  it('matches adapter names across the two on-disk layouts, with or without the adapter name in the keys', async () => {
    // An adapter trained on transformers < 4.52 names, applied to a checkpoint saved with ≥ 4.52 names.
    const newBase = baseTensors('new')
    const oldAdapter = {...factors(Q0, 6, 5, 2, 1, 'default'), ...factors('visual.blocks.0.attn.qkv', 9, 4, 2, 2, 'default')}
    const out = await merge(newBase, {r: 2, lora_alpha: 4, target_modules: ['q_proj', 'qkv']}, oldAdapter)
    expect(out.get('model.language_model.layers.0.self_attn.q_proj.weight')).toEqual(
      Buffer.from(f32Bytes(expectedF32(newBase['model.language_model.layers.0.self_attn.q_proj.weight'], 2, deltaOf(oldAdapter, Q0, 'default')))),
    )
    expect(out.get('model.visual.blocks.0.attn.qkv.weight')).toEqual(
      Buffer.from(f32Bytes(expectedF32(newBase['model.visual.blocks.0.attn.qkv.weight'], 2, deltaOf(oldAdapter, 'visual.blocks.0.attn.qkv', 'default')))),
    )
  })

  it('applies a ≥ 4.52-named adapter to a classic checkpoint', async () => {
    const base = baseTensors()
    const adapter = factors('model.language_model.layers.1.self_attn.q_proj', 6, 5, 2, 9)
    const out = await merge(base, {r: 2, lora_alpha: 2, target_modules: ['q_proj']}, adapter)
    expect(out.get(`${Q1}.weight`)).toEqual(Buffer.from(f32Bytes(expectedF32(base[`${Q1}.weight`], 1, deltaOf(adapter, 'model.language_model.layers.1.self_attn.q_proj')))))
  })

  it('rounds W + s·B·A once to a bf16 base dtype', async () => {
    const base = baseTensors()
    const adapter = factors(Q0, 6, 5, 3, 11)
    await writeModel(join(dir(), 'base'), base)
    // The same model stored in bf16: eighths are exact in bf16.
    const w = eighths(6, 5, 20)
    const bf16 = (values: number[]): Uint8Array => new Uint8Array(Uint16Array.from(values.map((x) => roundExact(x, BF16))).buffer)
    await writeSafetensors(join(dir(), 'base', 'model.safetensors'), [{name: `${Q0}.weight`, dtype: 'BF16', shape: [6, 5], data: bf16(w.values)}])
    await writeAdapter(join(dir(), 'adapter'), {r: 3, lora_alpha: 5, use_rslora: true, target_modules: ['q_proj']}, adapter)
    await runLoraMerge(loraSettings({base: join(dir(), 'base'), adapter: join(dir(), 'adapter'), output: join(dir(), 'out')}))
    const s = 5 / Math.sqrt(3)
    const delta = deltaOf(adapter, Q0)
    const out = (await tensorBytes(join(dir(), 'out'))).get(`${Q0}.weight`)!
    expect(out).toEqual(Buffer.from(bf16(w.values.map((x, i) => x + s * delta.values[i]))))
  })

  it('writes the updated tensors in --dtype, rounded once from the exact sum', async () => {
    const base = baseTensors()
    const adapter = factors(Q0, 6, 5, 3, 11)
    const out = await merge(base, {r: 3, lora_alpha: 5, use_rslora: true, target_modules: ['q_proj']}, adapter, 'BF16')
    const s = 5 / Math.sqrt(3)
    const delta = deltaOf(adapter, Q0)
    const expected = base[`${Q0}.weight`].values.map((x, i) => roundExact(x + s * delta.values[i], BF16))
    expect(out.get(`${Q0}.weight`)).toEqual(Buffer.from(new Uint8Array(Uint16Array.from(expected).buffer)))
  })
})

describe('lora merge: adapters it refuses', () => {
  const attempt = async (config: Record<string, unknown>, adapter: Record<string, Matrix>): Promise<unknown> => {
    await writeModel(join(dir(), 'base'), baseTensors())
    await writeAdapter(join(dir(), 'adapter'), config, adapter)
    return runLoraMerge(loraSettings({base: join(dir(), 'base'), adapter: join(dir(), 'adapter'), output: join(dir(), 'out')}))
  }

  it('refuses pickle adapters', async () => {
    await writeModel(join(dir(), 'base'), baseTensors())
    await writeAdapter(join(dir(), 'adapter'), {r: 2, lora_alpha: 2}, factors(Q0, 6, 5, 2, 1))
    const {renameSync} = await import('node:fs')
    renameSync(join(dir(), 'adapter', 'adapter_model.safetensors'), join(dir(), 'adapter', 'adapter_model.bin'))
    await expect(runLoraMerge(loraSettings({base: join(dir(), 'base'), adapter: join(dir(), 'adapter'), output: join(dir(), 'out')}))).rejects.toThrow(/adapter_model\.bin.*pickle/)
  })

  it('names a module the base does not have', async () => {
    await expect(attempt({r: 2, lora_alpha: 2}, factors('model.layers.7.self_attn.q_proj', 6, 5, 2, 1))).rejects.toThrow(/has no weight for module model\.layers\.7\.self_attn\.q_proj/)
  })

  it('names factors whose rank disagrees with the config', async () => {
    await expect(attempt({r: 4, lora_alpha: 2}, factors(Q0, 6, 5, 2, 1))).rejects.toThrow(/do not fit rank 4/)
  })

  it('refuses DoRA and modules outside target_modules', async () => {
    await expect(attempt({r: 2, lora_alpha: 2, use_dora: true}, factors(Q0, 6, 5, 2, 1))).rejects.toThrow(/use_dora/)
    await expect(attempt({r: 2, lora_alpha: 2, target_modules: ['v_proj']}, factors(Q0, 6, 5, 2, 1))).rejects.toThrow(/target_modules/)
  })

  it('leaves no output behind on failure', async () => {
    await attempt({r: 4, lora_alpha: 2}, factors(Q0, 6, 5, 2, 1)).catch(() => {})
    expect(() => readFileSync(join(dir(), 'out', 'model.safetensors'))).toThrow()
  })
})
