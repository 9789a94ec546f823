import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import * as ort from 'onnxruntime-node'
import {generateAnswerPair} from '../../src/example/generate-answer-pair'
import {readWeights} from '../../src/example/qwen2vl-onnx/read-weights'
import {writeQwen2VLGraphs} from '../../src/example/qwen2vl-onnx/write-qwen2vl-graphs'
import {writeQwen2VLOnnx} from '../../src/example/qwen2vl-onnx/write-qwen2vl-onnx'
import {decodeModel} from '../../src/io/onnx-proto'
import {useTempDir} from '../helpers/temp-dir'

/** Deterministic inputs for each session of the tiny model. */
type Config = {hidden_size: number; num_key_value_heads: number; head_dim: number; num_hidden_layers: number; vision_config: {patch_size: number; temporal_patch_size: number}}

function feeds(session: string, config: Config): Record<string, ort.Tensor> {
  const wave = (n: number, scale: number) => Float32Array.from({length: n}, (_, i) => Math.sin(i * 0.37) * scale)
  if (session === 'embed_tokens') return {input_ids: new ort.Tensor('int64', BigInt64Array.from([1n, 70n, 300n, 511n]), [1, 4])}
  // 4 patches of 3 · temporal · patch² values; grid 1×2×2.
  const {patch_size: P, temporal_patch_size: T} = config.vision_config
  if (session === 'vision_encoder') return {pixel_values: new ort.Tensor('float32', wave(4 * 3 * T * P * P, 1), [4, 3 * T * P * P]), grid_thw: new ort.Tensor('int64', BigInt64Array.from([1n, 2n, 2n]), [1, 3])}
  const seq = 5
  const result: Record<string, ort.Tensor> = {
    inputs_embeds: new ort.Tensor('float32', wave(seq * config.hidden_size, 0.5), [1, seq, config.hidden_size]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(seq).fill(1n), [1, seq]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from({length: 3 * seq}, (_, i) => BigInt(i % seq)), [3, 1, seq]),
  }
  for (let i = 0; i < config.num_hidden_layers; i++) {
    for (const kind of ['key', 'value']) result[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, config.num_key_value_heads, 0, config.head_dim])
  }
  return result
}

async function run(path: string, input: Record<string, ort.Tensor>): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(path)
  try {
    const outputs = await session.run(input)
    return Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, Array.from(tensor.data as Float32Array)]))
  } finally {
    await session.release()
  }
}

describe('writeQwen2VLOnnx with external data and q4', () => {
  const tmp = useTempDir()

  test('graphs written with external data keep only references, load in onnxruntime and give the inline graphs’ outputs exactly', async () => {
    const pair = await generateAnswerPair({dir: tmp()})
    const external = join(tmp(), 'external')
    await writeQwen2VLOnnx({weights: pair.target, output: external, modelFiles: false, externalData: true})
    const config = JSON.parse(readFileSync(join(pair.target, 'config.json'), 'utf8'))
    for (const session of ['embed_tokens', 'vision_encoder', 'decoder_model_merged']) {
      const inline = join(pair.target, 'onnx', `${session}.onnx`)
      const path = join(external, 'onnx', `${session}.onnx`)
      const graph = decodeModel(readFileSync(path)).graph
      // Every initializer of 1 KiB or more is a reference into `<file>_data`; small constants stay inline.
      const large = graph.initializer.filter((t) => (t.rawData?.length ?? t.externalData!.length!) >= 1024)
      expect(large.length).toBeGreaterThan(0)
      expect(large.every((t) => t.externalData?.location === `${session}.onnx_data` && t.rawData === undefined)).toBe(true)
      expect(graph.initializer.filter((t) => t.rawData).every((t) => t.rawData!.length < 1024)).toBe(true)
      expect(statSync(join(external, 'onnx', `${session}.onnx_data`)).size).toBeGreaterThanOrEqual(large.reduce((sum, t) => sum + t.externalData!.length!, 0))
      expect(statSync(path).size).toBeLessThan(statSync(inline).size / 4)

      const input = feeds(session, config)
      const expected = await run(inline, input)
      expect(Object.keys(expected).length).toBeGreaterThan(0)
      expect([session, await run(path, input)]).toEqual([session, expected])
    }
  })

  test('the q4 decoder is MatMulNBits that onnxruntime reads as (q − zero point) · scale per 32 values along K', async () => {
    const pair = await generateAnswerPair({dir: tmp()})
    const weights = await readWeights(pair.target)
    const config = JSON.parse(readFileSync(join(pair.target, 'config.json'), 'utf8'))
    const q4 = join(tmp(), 'q4')
    await writeQwen2VLOnnx({weights: pair.target, output: q4, modelFiles: false, dtype: 'q4'})
    expect(existsSync(join(q4, 'onnx', 'decoder_model_merged_q4.onnx'))).toBe(true)
    const graph = decodeModel(readFileSync(join(q4, 'onnx', 'decoder_model_merged_q4.onnx'))).graph
    const nbits = graph.node.filter((n) => n.opType === 'MatMulNBits')
    // 7 projections per layer and the lm_head; no float MatMul weight is left.
    expect(nbits.length).toBe(7 * config.num_hidden_layers + 1)
    expect(nbits.every((n) => n.domain === 'com.microsoft')).toBe(true)
    expect(graph.initializer.some((t) => t.name.startsWith('onnx::MatMul_') && !/_(Q4|scales|zero_points)$/.test(t.name))).toBe(false)

    // The float weights each node stands for, dequantized here by hand from its initializers.
    const inits = new Map(graph.initializer.map((t) => [t.name, t]))
    const dequantized = new Map<string, Float32Array>()
    for (const node of nbits) {
      const attr = (name: string) => node.attribute!.find((a) => a.name === name)!.i as number
      const [K, N, block] = [attr('K'), attr('N'), attr('block_size')]
      const packed = inits.get(node.input[1])!.rawData!
      const scales = new Float32Array(new Uint8Array(inits.get(node.input[2])!.rawData!).buffer)
      const zeros = inits.get(node.input[3])!.rawData!
      const blocks = Math.ceil(K / block)
      const w = new Float32Array(N * K)
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++) {
          const b = Math.floor(k / block)
          const byte = packed[(n * blocks + b) * (block / 2) + ((k % block) >> 1)]
          const q = (k % 2 === 0 ? byte : byte >> 4) & 15
          const zbyte = zeros[n * Math.ceil(blocks / 2) + (b >> 1)]
          const z = (b % 2 === 0 ? zbyte : zbyte >> 4) & 15
          w[n * K + k] = (q - z) * scales[n * blocks + b]
        }
      }
      dequantized.set(node.name!, w)
    }
    // The dequantized lm_head is within half a step of the parameter.
    const head = dequantized.get('/lm_head/MatMulNBits')!
    const embedding = (weights.get('lm_head.weight') ?? weights.get('model.embed_tokens.weight')!).values
    const maxStep = Math.max(...new Float32Array(new Uint8Array(inits.get(nbits.at(-1)!.input[2])!.rawData!).buffer))
    expect(Math.max(...head.map((v, i) => Math.abs(v - embedding[i])))).toBeLessThanOrEqual(maxStep / 2 + 1e-6)

    // An fp32 decoder of those dequantized weights gives the q4 decoder's logits.
    const scopeOf = (param: string) => '/' + param.replace(/\.weight$/, '').replace(/^model\./, 'model/').replace(/\.(self_attn|mlp)\./, '/$1/').replace(/\.(?=[a-z])/g, '/') + '/MatMulNBits'
    const used = new Set<string>()
    const reference = join(tmp(), 'reference')
    const {shape} = await writeQwen2VLOnnx({weights: pair.target, output: join(tmp(), 'unused'), modelFiles: false})
    await writeQwen2VLGraphs({
      output: reference,
      shape,
      weight: (name) => {
        const original = weights.get(name)!
        const node = name === 'lm_head.weight' || (name === 'model.embed_tokens.weight' && !weights.has('lm_head.weight')) ? '/lm_head/MatMulNBits' : scopeOf(name)
        if (!dequantized.has(node) || original.shape.length !== 2) return original
        used.add(node)
        return {shape: original.shape, values: dequantized.get(node)!}
      },
    })
    expect(used.size).toBe(nbits.length)
    const input = feeds('decoder_model_merged', config)
    const expected = (await run(join(reference, 'onnx', 'decoder_model_merged.onnx'), input)).logits
    const actual = (await run(join(q4, 'onnx', 'decoder_model_merged_q4.onnx'), input)).logits
    const scale = Math.max(...expected.map(Math.abs))
    expect(Math.max(...actual.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-4 * scale)
  })
})
