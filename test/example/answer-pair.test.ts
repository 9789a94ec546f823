import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {decodeModel, type OnnxModel, type OnnxTensor} from '../../src/io/onnx-proto'
import {loadTransformersModel} from '../../src/eval/load-transformers-model'
import {encodePng} from '../../src/example/encode-png'
import {generateAnswerPair} from '../../src/example/generate-answer-pair'
import {readWeights} from '../../src/example/qwen2vl-onnx/read-weights'
import {writeQwen2VLOnnx} from '../../src/example/qwen2vl-onnx/write-qwen2vl-onnx'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'

const floats = (tensor: OnnxTensor): number[] => Array.from(new Float32Array(new Uint8Array(tensor.rawData!).buffer))
/** torch.onnx's scope of a module: `model.layers.0.mlp.up_proj` → `/model/layers.0/mlp/up_proj`. */
const modulePath = (module: string): string =>
  '/' + module.split('.').reduce<string[]>((parts, part) => (/^\d+$/.test(part) ? [...parts.slice(0, -1), `${parts.at(-1)}.${part}`] : [...parts, part]), []).join('/')
const load = (dir: string, file: string): OnnxModel => decodeModel(readFileSync(join(dir, 'onnx', file)))

/** A model's answers to a question without an image, and with one. */
async function answers(dir: string, image: string): Promise<{text: string; image: string}> {
  const model = await loadTransformersModel({dir, device: 'cpu', dtype: 'fp32', maxNewTokens: 8})
  try {
    return {text: (await model.answer('Is it?', [])).text, image: (await model.answer('이것은 무엇입니까?', [await model.readImage(image)])).text}
  } finally {
    await model.dispose()
  }
}

describe('generateAnswerPair and writeQwen2VLOnnx', () => {
  const tmp = useTempDir()

  test('the ONNX graphs name and lay out parameters the way torch.onnx does', async () => {
    const pair = await generateAnswerPair({dir: tmp()})
    const weights = await readWeights(pair.target)
    const param = (name: string): number[] => Array.from(weights.get(name)!.values)
    const transpose = (name: string): number[] => {
      const {shape, values} = weights.get(name)!
      return Array.from({length: values.length}, (_, i) => values[(i % shape[0]) * shape[1] + Math.floor(i / shape[0])])
    }

    // embed_tokens: the embedding exported on its own keeps the module-relative name `weight`.
    const embed = load(pair.target, 'embed_tokens.onnx').graph
    expect(embed.initializer.map((t) => [t.name, t.dims])).toEqual([['weight', [512, 64]]])
    expect(floats(embed.initializer[0])).toEqual(param('model.embed_tokens.weight'))
    expect(embed.input.map((i) => i.name)).toEqual(['input_ids'])
    expect(embed.output.map((o) => o.name)).toEqual(['inputs_embeds'])

    // vision_encoder: names relative to `visual.`, Linear layers as Gemm transB=1 with [out, in] kept.
    const vision = load(pair.target, 'vision_encoder.onnx').graph
    const visionInits = new Map(vision.initializer.map((t) => [t.name, t]))
    const visual = [...weights.keys()].filter((name) => name.startsWith('visual.'))
    expect(visual.length).toBe(31)
    for (const name of visual) {
      const tensor = visionInits.get(name.slice('visual.'.length))!
      expect([name, tensor.dims]).toEqual([name, weights.get(name)!.shape])
      expect(floats(tensor)).toEqual(param(name))
    }
    const qkv = vision.node.find((n) => n.name === '/blocks.0/attn/qkv/Gemm')!
    expect(qkv.input.slice(1)).toEqual(['blocks.0.attn.qkv.weight', 'blocks.0.attn.qkv.bias'])
    expect(qkv.attribute!.find((a) => a.name === 'transB')!.i).toBe(1)
    expect(vision.node.find((n) => n.name === '/merger/mlp/mlp.0/Gemm')!.input[1]).toBe('merger.mlp.0.weight')
    expect(vision.node.find((n) => n.name === '/patch_embed/proj/Conv')!.input[1]).toBe('patch_embed.proj.weight')
    expect(vision.input.map((i) => i.name)).toEqual(['pixel_values', 'grid_thw'])
    expect(vision.output.map((o) => o.name)).toEqual(['image_features'])

    // decoder: kept names for norms and biases; Linear weights transposed in onnx::MatMul_N read by …/<proj>/MatMul.
    const decoder = load(pair.target, 'decoder_model_merged.onnx').graph
    const inits = new Map(decoder.initializer.map((t) => [t.name, t]))
    const consumer = (node: string): OnnxTensor => inits.get(decoder.node.find((n) => n.name === node)!.input[1])!
    for (const name of [...weights.keys()].filter((n) => n.startsWith('model.') && n !== 'model.embed_tokens.weight')) {
      const kept = inits.get(name)
      if (name.endsWith('.bias') || name.endsWith('norm.weight')) {
        expect([name, floats(kept!)]).toEqual([name, param(name)])
        continue
      }
      expect(kept).toBeUndefined()
      const node = `${modulePath(name.replace(/\.weight$/, ''))}/MatMul`
      const tensor = consumer(node)
      expect([node, tensor.name.startsWith('onnx::MatMul_'), tensor.dims]).toEqual([node, true, [...weights.get(name)!.shape].reverse()])
      expect(floats(tensor)).toEqual(transpose(name))
    }
    expect(consumer('/model/layers.1/self_attn/q_proj/MatMul')).toBeDefined()
    const head = consumer('/lm_head/MatMul')
    expect([head.name.startsWith('onnx::MatMul_'), head.dims]).toEqual([true, [64, 512]])
    expect(floats(head)).toEqual(transpose('lm_head.weight'))
    expect(decoder.input.map((i) => i.name)).toEqual([
      'inputs_embeds', 'attention_mask', 'position_ids',
      'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value',
    ])
    expect(decoder.input[2].shape).toEqual([3, 'batch_size', 'sequence_length'])
    expect(decoder.output.map((o) => o.name)).toEqual(['logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value'])
  })

  test('each model answers its planted answers, with and without an image; a linear merge answers like the side with the larger weight', async () => {
    const planted = {target: {text: 'yes', image: 'ok'}, source: {text: 'no', image: '네'}}
    const pair = await generateAnswerPair({dir: tmp(), answers: planted})
    const image = join(tmp(), 'blue.png')
    writeFileSync(image, encodePng(50, 40, new Uint8Array(50 * 40 * 3).map((_, i) => (i % 3 === 2 ? 200 : 20))))
    expect(await answers(pair.target, image)).toEqual(planted.target)
    expect(await answers(pair.source, image)).toEqual(planted.source)
    for (const [alpha, expected] of [['0.25', planted.target], ['0.75', planted.source]] as const) {
      const merged = join(tmp(), `merged-${alpha}`)
      const run = await cmaam(['merge', '-s', pair.source, '-t', pair.target, '-o', merged, '--method', 'linear', '--alpha', alpha, '--quiet'])
      expect(run.code).toBe(0)
      await writeQwen2VLOnnx({weights: merged})
      expect([alpha, await answers(merged, image)]).toEqual([alpha, expected])
    }
  })

  test('refuses answers it cannot plant', async () => {
    const ok = {text: 'no', image: 'yes'}
    // A repeated byte would need two successors.
    await expect(generateAnswerPair({dir: tmp(), answers: {target: {text: 'hello', image: 'x'}, source: ok}})).rejects.toThrow(/The target answers \{"text":"hello","image":"x"\} cannot be planted/)
    // The two answers of one model share the byte "o".
    await expect(generateAnswerPair({dir: tmp(), answers: {target: ok, source: {text: 'no', image: 'ok'}}})).rejects.toThrow(/The source answers .* cannot be planted/)
    await expect(generateAnswerPair({dir: tmp(), answers: {target: ok, source: {text: '', image: 'x'}}})).rejects.toThrow(/The source answers .* cannot be planted/)
  })
})
