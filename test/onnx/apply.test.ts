import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import * as ort from 'onnxruntime-node'
import {silentProgress} from '../../src/progress'
import {applyOnnx, type ApplyOnnxSettings} from '../../src/onnx/apply-onnx'
import {decodeModel, encodeModel, TensorDataType as T, type OnnxModel, type OnnxTensor} from '../../src/io/onnx-proto'
import type {OnnxApplyReport} from '../../src/onnx/types'
import {useTempDir} from '../helpers/temp-dir'
import {D, f16BitsExact, f16Value, makeValues, transpose, writeCheckpoint, writeTemplate, type Precision, type Values} from './qwen2vl-fixture'

const SESSIONS = ['embed_tokens', 'vision_encoder', 'decoder_model_merged']

function settings(weights: string, template: string, overrides: Partial<ApplyOnnxSettings> = {}): ApplyOnnxSettings {
  return {weights, template, dtypes: ['fp32'], allowUnmapped: false, force: false, modelType: 'auto', progress: silentProgress, ...overrides}
}

/** The value an initializer should hold: the parameter, transposed where the template stores it so. */
function expectedValues(values: Values, parameter: string, layout: 'same' | 'transposed'): Float32Array {
  const {shape, values: data} = values.get(parameter)!
  return layout === 'transposed' ? transpose(data, shape[0], shape[1]) : data
}

function readOutput(dir: string, file: string): OnnxModel {
  return decodeModel(readFileSync(join(dir, file)), file)
}

/** The initializer's bytes, inline or from its external data file. */
function bytesOf(dir: string, tensor: OnnxTensor): Buffer {
  if (tensor.rawData) return Buffer.from(tensor.rawData)
  const {location, offset = 0, length} = tensor.externalData!
  return readFileSync(join(dir, location)).subarray(offset, offset + (length as number))
}

function f32(buffer: Buffer): Float32Array {
  return new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length))
}

function u16(buffer: Buffer): Uint16Array {
  return new Uint16Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length))
}

/** Deterministic session inputs for the tiny model. */
function feeds(session: string, float16: boolean): Record<string, ort.Tensor> {
  const floats = (count: number, dims: number[]) => {
    const data = Float32Array.from({length: count}, (_, i) => Math.sin(i * 0.37) * 0.5)
    return float16 ? new ort.Tensor('float16', Uint16Array.from(data, (v) => f16BitsExact(v)), dims) : new ort.Tensor('float32', data, dims)
  }
  if (session === 'embed_tokens') return {input_ids: new ort.Tensor('int64', BigInt64Array.from([3n, 0n, 47n, 12n]), [2, 2])}
  if (session === 'vision_encoder') return {pixel_values: floats(8 * D.patchIn, [8, D.patchIn])}
  return {inputs_embeds: floats(2 * 3 * D.hidden, [2, 3, D.hidden])}
}

async function run(path: string, session: string, float16 = false): Promise<number[]> {
  const s = await ort.InferenceSession.create(path)
  const result = await s.run(feeds(session, float16))
  const out = result[s.outputNames[0]]
  return out.type === 'float16' ? Array.from(out.data as Uint16Array, f16Value) : Array.from(out.data as Float32Array)
}

describe('onnx apply', () => {
  const tmp = useTempDir()
  let base: Values
  let merged: Values

  beforeAll(() => {
    base = makeValues(1, {twins: 'equal'})
    merged = makeValues(2, {twins: 'differ'})
  })

  async function setUp(options: {precisions: Precision[]; external?: boolean; weights?: Values}) {
    const weights = join(tmp(), 'merged')
    await writeCheckpoint(weights, options.weights ?? merged)
    const template = writeTemplate(join(tmp(), 'template'), base, options)
    return {weights, template}
  }

  test('fp32: every parameter initializer holds the checkpoint value (kept, module-relative, Gemm, transposed MatMul, tied), constants stay', async () => {
    const {weights, template} = await setUp({precisions: ['fp32']})
    const report = await applyOnnx(settings(weights, template.dir))
    const out = join(weights, 'onnx')
    expect(report.files.map((f) => f.file).sort()).toEqual(SESSIONS.map((s) => `${s}.onnx`).sort())

    for (const [file, t] of template.files) {
      const model = readOutput(out, file)
      const byName = new Map(model.graph.initializer.map((tensor) => [tensor.name, tensor]))
      const identityOutputs = new Set(model.graph.node.filter((n) => n.opType === 'Identity').map((n) => n.output[0]))
      for (const [name, {parameter, layout}] of t.expected) {
        const tensor = byName.get(name) ?? byName.get(t.twins.get(name)!)
        expect(tensor).toBeDefined()
        if (!byName.has(name)) expect(identityOutputs.has(name)).toBe(true)
        expect(Array.from(f32(bytesOf(out, tensor!)))).toEqual(Array.from(expectedValues(merged, parameter, layout)))
      }
      for (const name of t.constants) {
        const before = t.model.graph.initializer.find((x) => x.name === name)!
        expect(bytesOf(out, byName.get(name)!).equals(Buffer.from(before.rawData!))).toBe(true)
      }
      // Inputs, outputs, opsets and metadata are the template's.
      expect(model.graph.input).toEqual(t.model.graph.input)
      expect(model.graph.output).toEqual(t.model.graph.output)
      expect(model.opsetImport).toEqual(t.model.opsetImport)
      expect(model.metadataProps).toEqual(t.model.metadataProps)
    }

    const decoder = report.files.find((f) => f.session === 'decoder_model_merged')!
    const vision = report.files.find((f) => f.session === 'vision_encoder')!
    // Twins the merge made differ got their own initializer; the pair that stayed equal kept its Identity.
    expect(vision.twins_split).toEqual(['blocks.0.norm2.bias'])
    expect(decoder.twins_split).toEqual(['model.layers.0.post_attention_layernorm.weight'])
    const visionModel = readOutput(out, 'vision_encoder.onnx')
    expect(visionModel.graph.node.filter((n) => n.opType === 'Identity').map((n) => n.output[0])).toEqual(['blocks.0.norm2.weight'])
    // onnx::MatMul_101…106 by consumer; the tied lm_head (onnx::MatMul_107 = embed_tokensᵀ) as tied.
    expect(decoder.replaced).toEqual({by_name: 5, by_consumer: 6, tied: 1})
    expect(decoder.parameters.find((p) => p.initializer === 'onnx::MatMul_107')).toMatchObject({parameter: 'model.embed_tokens.weight', via: 'tied', layout: 'transposed'})
    expect(vision.parameters.find((p) => p.initializer === 'onnx::MatMul_41')).toMatchObject({parameter: 'visual.merger.mlp.0.weight', via: 'consumer', layout: 'transposed'})
    expect(vision.parameters.find((p) => p.initializer === 'blocks.0.attn.proj.weight')).toMatchObject({parameter: 'visual.blocks.0.attn.proj.weight', via: 'name', layout: 'same'})
    expect(decoder.constants).toBe(3)
    expect(decoder.max_abs_diff).toBe(0)
    expect(report.unused_parameters).toEqual([])
    const written = JSON.parse(readFileSync(join(out, 'cmaam_onnx_report.json'), 'utf8')) as OnnxApplyReport
    expect(written.files).toHaveLength(3)

    // The output runs in onnxruntime and computes what a template exported from the merged weights computes.
    const direct = writeTemplate(join(tmp(), 'direct'), merged, {precisions: ['fp32']})
    for (const session of SESSIONS) {
      expect(await run(join(out, `${session}.onnx`), session)).toEqual(await run(join(direct.dir, 'onnx', `${session}.onnx`), session))
    }
  })

  test('fp16: initializers take the checkpoint value rounded once to float16', async () => {
    const {weights, template} = await setUp({precisions: ['fp32', 'fp16']})
    const report = await applyOnnx(settings(weights, template.dir, {dtypes: ['fp16']}))
    const out = join(weights, 'onnx')
    expect(report.files.map((f) => f.file).sort()).toEqual(SESSIONS.map((s) => `${s}_fp16.onnx`).sort())
    expect(existsSync(join(out, 'decoder_model_merged.onnx'))).toBe(false)
    let worst = 0
    for (const [file, t] of template.files) {
      if (!file.includes('_fp16')) continue
      const model = readOutput(out, file)
      const byName = new Map(model.graph.initializer.map((tensor) => [tensor.name, tensor]))
      for (const [name, {parameter, layout}] of t.expected) {
        const tensor = byName.get(name) ?? byName.get(t.twins.get(name)!)!
        expect(tensor.dataType).toBe(T.FLOAT16)
        const want = Array.from(expectedValues(merged, parameter, layout), f16BitsExact)
        expect(Array.from(u16(bytesOf(out, tensor)))).toEqual(want)
        expectedValues(merged, parameter, layout).forEach((v, i) => (worst = Math.max(worst, Math.abs(f16Value(want[i]) - v))))
      }
    }
    expect(Math.max(...report.files.map((f) => f.max_abs_diff))).toBe(worst)
    expect(worst).toBeGreaterThan(0)
    const direct = writeTemplate(join(tmp(), 'direct'), merged, {precisions: ['fp16']})
    for (const session of SESSIONS) {
      expect(await run(join(out, `${session}_fp16.onnx`), session, true)).toEqual(await run(join(direct.dir, 'onnx', `${session}_fp16.onnx`), session, true))
    }
  })

  test.each(['q4', 'q4f16'] as const)('%s: MatMulNBits weights are re-quantized with the node’s block size, scales and zero points', async (precision) => {
    const {weights, template} = await setUp({precisions: [precision]})
    const report = await applyOnnx(settings(weights, template.dir, {dtypes: [precision]}))
    const out = join(weights, 'onnx')
    const file = `decoder_model_merged_${precision}.onnx`
    const t = template.files.get(file)!
    const model = readOutput(out, file)
    const byName = new Map(model.graph.initializer.map((tensor) => [tensor.name, tensor]))
    const scaleValues = (tensor: OnnxTensor) => (tensor.dataType === T.FLOAT16 ? Array.from(u16(bytesOf(out, tensor)), f16Value) : Array.from(f32(bytesOf(out, tensor))))
    let checked = 0
    for (const [name, {parameter}] of t.expected) {
      if (!name.endsWith('_Q4')) continue
      const base = name.slice(0, -3)
      const node = model.graph.node.find((n) => n.input[1] === name)!
      const attr = (a: string) => Number(node.attribute!.find((x) => x.name === a)!.i)
      const [K, N, block] = [attr('K'), attr('N'), attr('block_size')]
      const {shape, values} = merged.get(parameter)!
      expect([N, K]).toEqual(shape)
      const packed = bytesOf(out, byName.get(name)!)
      const scales = scaleValues(byName.get(`${base}_scales`)!)
      const zpTensor = byName.get(`${base}_zero_points`)
      const zp = zpTensor ? bytesOf(out, zpTensor) : null
      const blocks = Math.ceil(K / block)
      for (let n = 0; n < N; n++) {
        for (let b = 0; b < blocks; b++) {
          const scale = scales[n * blocks + b]
          const zero = zp ? (zp[n * Math.ceil(blocks / 2) + (b >> 1)] >> ((b & 1) * 4)) & 15 : 8
          const slice = Array.from(values.subarray(n * K + b * block, n * K + Math.min(K, (b + 1) * block)))
          const range = Math.max(0, ...slice) - Math.min(0, ...slice)
          // The scale spans the block's range in 15 steps (asymmetric) or its largest magnitude in 8 (symmetric), up to its own rounding.
          const wantScale = zp ? range / 15 : Math.max(...slice.map(Math.abs)) / 8
          expect(Math.abs(Math.abs(scale) - wantScale)).toBeLessThanOrEqual(wantScale * 1e-3)
          slice.forEach((v, k) => {
            const byte = packed[(n * blocks + b) * (block / 2) + (k >> 1)]
            const q = (byte >> ((k & 1) * 4)) & 15
            const dequantized = (q - zero) * scale
            // Half a step, or one step at the clamped end of the symmetric range.
            expect(Math.abs(dequantized - v)).toBeLessThanOrEqual(Math.abs(scale) * (zp ? 0.5 : 1) * (1 + 1e-6))
          })
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(0)
    const decoder = report.files.find((f) => f.file === file)!
    expect(decoder.parameters.filter((p) => p.format.startsWith('q4'))).toHaveLength(7)
    // onnxruntime's MatMulNBits kernel reads the packing as written: the logits stay close to the exact ones.
    const exact = writeTemplate(join(tmp(), 'exact'), merged, {precisions: [precision === 'q4' ? 'fp32' : 'fp16']})
    const got = await run(join(out, file), 'decoder_model_merged', precision === 'q4f16')
    const want = await run(join(exact.dir, 'onnx', `decoder_model_merged${precision === 'q4' ? '' : '_fp16'}.onnx`), 'decoder_model_merged', precision === 'q4f16')
    const scale = Math.max(...want.map(Math.abs))
    const error = Math.max(...got.map((v, i) => Math.abs(v - want[i])))
    expect(error).toBeLessThan(scale * 0.15)
    // The float sessions of a q4 template are written as floats.
    expect(report.files.find((f) => f.session === 'vision_encoder')!.replaced.by_name).toBeGreaterThan(0)
  })

  test('q8: MatMulInteger weights are re-quantized per tensor (asymmetric) and per channel (symmetric around 128)', async () => {
    const {weights, template} = await setUp({precisions: ['q8']})
    const report = await applyOnnx(settings(weights, template.dir, {dtypes: ['q8']}))
    const out = join(weights, 'onnx')
    const file = 'decoder_model_merged_quantized.onnx'
    const model = readOutput(out, file)
    const byName = new Map(model.graph.initializer.map((tensor) => [tensor.name, tensor]))
    let checked = 0
    for (const [name, {parameter}] of template.files.get(file)!.expected) {
      if (!name.endsWith('_quantized')) continue
      const base = name.slice(0, -'_quantized'.length)
      const codes = byName.get(name)!
      const bytes = bytesOf(out, codes)
      const scales = Array.from(f32(bytesOf(out, byName.get(`${base}_scale`)!)))
      const zeros = Array.from(bytesOf(out, byName.get(`${base}_zero_point`)!))
      const perChannel = scales.length > 1
      const {shape, values} = merged.get(parameter)!
      const [N, K] = shape
      expect(codes.dims).toEqual([K, N])
      expect(scales).toHaveLength(perChannel ? N : 1)
      for (let n = 0; n < N; n++) {
        const c = perChannel ? n : 0
        const row = Array.from(values.subarray(n * K, (n + 1) * K))
        // Symmetric channels keep their zero point at 128 and span ±max|v|; the per-tensor one spans [min(0, lo), max(0, hi)].
        if (perChannel) expect(zeros[c]).toBe(128)
        if (perChannel) expect(scales[c]).toBeCloseTo((2 * Math.max(...row.map(Math.abs))) / 255, 6)
        // A per-tensor zero point of 128 in the template reads as symmetric: either span is the scheme's.
        else expect([Math.max(0, ...values) - Math.min(0, ...values), 2 * Math.max(...Array.from(values, Math.abs))].some((span) => Math.abs(scales[c] - span / 255) < 1e-8)).toBe(true)
        for (let k = 0; k < K; k++) {
          expect(Math.abs((bytes[k * N + n] - zeros[c]) * scales[c] - values[n * K + k])).toBeLessThanOrEqual(scales[c] * (1 + 1e-6))
        }
      }
      checked++
    }
    expect(checked).toBe(7)
    const decoder = report.files.find((f) => f.file === file)!
    expect(decoder.parameters.filter((p) => p.format.startsWith('q8'))).toHaveLength(7)
    const exact = writeTemplate(join(tmp(), 'exact'), merged, {precisions: ['fp32']})
    const got = await run(join(out, file), 'decoder_model_merged')
    const want = await run(join(exact.dir, 'onnx', 'decoder_model_merged.onnx'), 'decoder_model_merged')
    const error = Math.max(...got.map((v, i) => Math.abs(v - want[i])))
    expect(error).toBeLessThan(Math.max(...want.map(Math.abs)) * 0.1)
  })

  test('external data: the decoder streams into its .onnx_data file and loads in onnxruntime', async () => {
    const {weights, template} = await setUp({precisions: ['fp32'], external: true})
    expect(existsSync(join(template.dir, 'onnx', 'decoder_model_merged.onnx_data'))).toBe(true)
    const report = await applyOnnx(settings(weights, template.dir))
    const out = join(weights, 'onnx')
    const decoder = report.files.find((f) => f.session === 'decoder_model_merged')!
    expect(decoder.external_data).toEqual(['decoder_model_merged.onnx_data'])
    const model = readOutput(out, 'decoder_model_merged.onnx')
    const t = template.files.get('decoder_model_merged.onnx')!
    const external = model.graph.initializer.filter((tensor) => tensor.externalData)
    expect(external.map((tensor) => tensor.name).sort()).toEqual(t.model.graph.initializer.filter((tensor) => tensor.externalData).map((tensor) => tensor.name).concat('model.layers.0.post_attention_layernorm.weight').sort())
    expect(external.every((tensor) => !tensor.rawData)).toBe(true)
    for (const [name, {parameter, layout}] of t.expected) {
      const tensor = model.graph.initializer.find((x) => x.name === name) ?? model.graph.initializer.find((x) => x.name === t.twins.get(name))!
      expect(Array.from(f32(bytesOf(out, tensor)))).toEqual(Array.from(expectedValues(merged, parameter, layout)))
    }
    const direct = writeTemplate(join(tmp(), 'direct'), merged, {precisions: ['fp32']})
    expect(await run(join(out, 'decoder_model_merged.onnx'), 'decoder')).toEqual(await run(join(direct.dir, 'onnx', 'decoder_model_merged.onnx'), 'decoder'))
  })

  test('an untied checkpoint: the module-relative `weight` of embed_tokens goes to the embedding by the session role, lm_head to lm_head', async () => {
    const untiedBase = makeValues(3, {twins: 'equal', lmHead: true})
    const untiedMerged = makeValues(4, {twins: 'differ', lmHead: true})
    const {weights, template} = await setUp({precisions: ['fp32'], weights: untiedMerged})
    writeTemplate(template.dir, untiedBase, {precisions: ['fp32']})
    const report = await applyOnnx(settings(weights, template.dir))
    const embed = report.files.find((f) => f.session === 'embed_tokens')!
    expect(embed.parameters).toEqual([expect.objectContaining({initializer: 'weight', parameter: 'model.embed_tokens.weight'})])
    const decoder = report.files.find((f) => f.session === 'decoder_model_merged')!
    expect(decoder.parameters.find((p) => p.initializer === 'onnx::MatMul_107')).toMatchObject({parameter: 'lm_head.weight', via: 'consumer'})
  })

  test('a parameter-looking initializer that maps to nothing is an error naming it, or listed with --allow-unmapped', async () => {
    const {weights, template} = await setUp({precisions: ['fp32']})
    const path = join(template.dir, 'onnx', 'decoder_model_merged.onnx')
    const model = decodeModel(readFileSync(path))
    const extra = new Uint8Array(new Float32Array(D.hidden * 2).buffer)
    model.graph.initializer.push({name: 'model.layers.0.adapter.weight', dims: [2, D.hidden], dataType: T.FLOAT, rawData: extra})
    writeFileSync(path, encodeModel(model))
    await expect(applyOnnx(settings(weights, template.dir))).rejects.toThrow(/decoder_model_merged\.onnx: 1 initializer that look like parameters map to no single checkpoint parameter: model\.layers\.0\.adapter\.weight/)
    expect(existsSync(join(weights, 'onnx'))).toBe(false)
    const report = await applyOnnx(settings(weights, template.dir, {allowUnmapped: true}))
    const decoder = report.files.find((f) => f.session === 'decoder_model_merged')!
    expect(decoder.unmapped.map((u) => u.name)).toEqual(['model.layers.0.adapter.weight'])
  })

  test('a quantization scheme cmaam does not know is refused, naming the node and op', async () => {
    const {weights, template} = await setUp({precisions: ['q4']})
    const path = join(template.dir, 'onnx', 'decoder_model_merged_q4.onnx')
    const model = decodeModel(readFileSync(path))
    const node = model.graph.node.find((n) => n.opType === 'MatMulNBits')!
    node.opType = 'MatMulBnb4'
    writeFileSync(path, encodeModel(model))
    await expect(applyOnnx(settings(weights, template.dir, {dtypes: ['q4']}))).rejects.toThrow(`node ${node.name} (MatMulBnb4) reads the quantized weight`)
  })

  test('a precision the template lacks is an error naming those it has', async () => {
    const {weights, template} = await setUp({precisions: ['fp32', 'q4']})
    await expect(applyOnnx(settings(weights, template.dir, {dtypes: ['fp16']}))).rejects.toThrow(/has no fp16 ONNX files/)
    const report = await applyOnnx(settings(weights, template.dir, {dtypes: 'all'}))
    expect(report.dtypes.sort()).toEqual(['fp32', 'q4'])
    expect(report.files).toHaveLength(6)
  })
})
