import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {writeSafetensors} from '../../src/io/safetensors/write-safetensors'
import {encodeModel, TensorDataType as T, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo} from '../../src/io/onnx-proto'
import {F16, roundExact, valueOf} from '../compute/exact-rounding'
import {mulberry32} from '../helpers/mulberry32'

/*
 * A tiny Qwen2-VL-shaped checkpoint and ONNX templates for it, written the way PyTorch's exporter
 * names things (see ecosystem-facts.md): `embed_tokens` and `visual` exported as modules of their
 * own (module-relative names: `weight`, `blocks.0.attn.qkv.bias`), the decoder with full names;
 * Linear weights on 3-D activations as transposed `onnx::MatMul_N` read by nodes named after the
 * module, Linear on 2-D activations as `Gemm` with transB=1, identical tensors stored once with
 * `Identity` twins, constants that are not parameters, a tied lm_head. Written independently of
 * src/onnx: the test knows which parameter each initializer holds because it put it there.
 */

export const D = {vision: 8, visionMlp: 16, hidden: 24, kv: 8, intermediate: 40, vocab: 48, patchIn: 24}

export type Values = Map<string, {shape: number[]; values: Float32Array}>

/** The parameter names and shapes of the tiny model (tied embeddings unless `lmHead`). */
export function parameterShapes(options: {lmHead?: boolean} = {}): [string, number[]][] {
  const {vision: v, visionMlp: m, hidden: h, kv, intermediate: i, vocab} = D
  return [
    ['visual.patch_embed.proj.weight', [v, 3, 2, 2, 2]],
    ['visual.blocks.0.norm1.weight', [v]],
    ['visual.blocks.0.norm1.bias', [v]],
    ['visual.blocks.0.attn.qkv.weight', [3 * v, v]],
    ['visual.blocks.0.attn.qkv.bias', [3 * v]],
    ['visual.blocks.0.attn.proj.weight', [v, v]],
    ['visual.blocks.0.attn.proj.bias', [v]],
    ['visual.blocks.0.norm2.weight', [v]],
    ['visual.blocks.0.norm2.bias', [v]],
    ['visual.blocks.0.mlp.fc1.weight', [m, v]],
    ['visual.blocks.0.mlp.fc1.bias', [m]],
    ['visual.blocks.0.mlp.fc2.weight', [v, m]],
    ['visual.blocks.0.mlp.fc2.bias', [v]],
    ['visual.merger.ln_q.weight', [v]],
    ['visual.merger.ln_q.bias', [v]],
    ['visual.merger.mlp.0.weight', [4 * v, 4 * v]],
    ['visual.merger.mlp.0.bias', [4 * v]],
    ['visual.merger.mlp.2.weight', [h, 4 * v]],
    ['visual.merger.mlp.2.bias', [h]],
    ['model.embed_tokens.weight', [vocab, h]],
    ['model.layers.0.input_layernorm.weight', [h]],
    ['model.layers.0.self_attn.q_proj.weight', [h, h]],
    ['model.layers.0.self_attn.q_proj.bias', [h]],
    ['model.layers.0.self_attn.k_proj.weight', [kv, h]],
    ['model.layers.0.self_attn.k_proj.bias', [kv]],
    ['model.layers.0.self_attn.o_proj.weight', [h, h]],
    ['model.layers.0.post_attention_layernorm.weight', [h]],
    ['model.layers.0.mlp.gate_proj.weight', [i, h]],
    ['model.layers.0.mlp.up_proj.weight', [i, h]],
    ['model.layers.0.mlp.down_proj.weight', [h, i]],
    ['model.norm.weight', [h]],
    ...(options.lmHead ? [['lm_head.weight', [vocab, h]] as [string, number[]]] : []),
  ]
}

/**
 * Seeded values. `twins: 'equal'` gives the pairs the exporter would store once equal values (as in
 * a base model: norms at 1, biases at 0); `'differ'` makes the norm biases and layer norms differ,
 * as a merge does, while the vision norm weights stay equal to each other.
 */
export function makeValues(seed: number, options: {lmHead?: boolean; twins: 'equal' | 'differ'}): Values {
  const next = mulberry32(seed)
  const values: Values = new Map()
  for (const [name, shape] of parameterShapes(options)) {
    const count = shape.reduce((a, b) => a * b, 1)
    const data = new Float32Array(count)
    for (let k = 0; k < count; k++) data[k] = (next() - 0.5) * 0.8
    values.set(name, {shape, values: data})
  }
  const copy = (from: string, to: string) => values.get(to)!.values.set(values.get(from)!.values)
  copy('visual.blocks.0.norm1.weight', 'visual.blocks.0.norm2.weight')
  if (options.twins === 'equal') {
    values.get('visual.blocks.0.norm1.bias')!.values.fill(0)
    values.get('visual.blocks.0.norm2.bias')!.values.fill(0)
    values.get('model.layers.0.input_layernorm.weight')!.values.fill(1)
    values.get('model.layers.0.post_attention_layernorm.weight')!.values.fill(1)
  }
  return values
}

export async function writeCheckpoint(dir: string, values: Values, config: Record<string, unknown> = QWEN2VL_CONFIG): Promise<void> {
  mkdirSync(dir, {recursive: true})
  await writeSafetensors(
    join(dir, 'model.safetensors'),
    [...values].map(([name, {shape, values: data}]) => ({name, dtype: 'F32' as const, shape, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength)})),
  )
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
}

export const QWEN2VL_CONFIG = {model_type: 'qwen2_vl', architectures: ['Qwen2VLForConditionalGeneration'], tie_word_embeddings: true, hidden_size: D.hidden, vocab_size: D.vocab}

export type Precision = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16'

/** Where a template initializer's value comes from: the test's ground truth. */
export interface Expected {
  parameter: string
  layout: 'same' | 'transposed'
}

export interface Template {
  model: OnnxModel
  /** Initializer name → the parameter it holds. */
  expected: Map<string, Expected>
  /** Initializers that are not parameters. */
  constants: string[]
  /** Identity twins: output name → source initializer. */
  twins: Map<string, string>
}

/** Builds one graph: initializers with the exporter's de-duplication, nodes in order. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = []
  readonly identities: OnnxNode[] = []
  readonly initializers: OnnxTensor[] = []
  readonly expected = new Map<string, Expected>()
  readonly constants: string[] = []
  readonly twins = new Map<string, string>()
  private counter = 0

  constructor(
    private readonly values: Values,
    readonly precision: Precision,
  ) {}

  get floatType(): number {
    return this.precision === 'fp16' || this.precision === 'q4f16' ? T.FLOAT16 : T.FLOAT
  }

  /** A parameter as an initializer named `name` (kept or module-relative), de-duplicated like the exporter. */
  param(name: string, parameter: string, layout: 'same' | 'transposed' = 'same'): string {
    const {shape, values} = this.values.get(parameter)!
    const dims = layout === 'transposed' ? [shape[1], shape[0]] : shape
    const data = layout === 'transposed' ? transpose(values, shape[0], shape[1]) : values
    const rawData = this.floatBytes(data)
    const twin = this.initializers.find((t) => t.dims.join() === dims.join() && t.dataType === this.floatType && Buffer.from(t.rawData!).equals(Buffer.from(rawData)))
    if (twin && !name.startsWith('onnx::')) {
      this.identities.push({name: `Identity_${this.identities.length}`, opType: 'Identity', input: [twin.name], output: [name]})
      this.twins.set(name, twin.name)
    } else {
      this.initializers.push({name, dims, dataType: this.floatType, rawData})
    }
    this.expected.set(name, {parameter, layout})
    return name
  }

  constant(name: string, dims: number[], dataType: number, rawData: Uint8Array): string {
    this.initializers.push({name, dims, dataType, rawData})
    this.constants.push(name)
    return name
  }

  int64(name: string, values: number[]): string {
    return this.constant(name, [values.length], T.INT64, new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer))
  }

  floatBytes(values: Float32Array): Uint8Array {
    if (this.floatType === T.FLOAT) return new Uint8Array(Float32Array.from(values).buffer)
    return new Uint8Array(Uint16Array.from(values, (v) => f16BitsExact(v)).buffer)
  }

  node(opType: string, name: string, input: string[], attributes: OnnxNode['attribute'] = [], domain?: string): string {
    const output = `${name}_output_${this.counter++}`
    this.nodes.push({name, opType, input, output: [output], attribute: attributes, ...(domain ? {domain} : {})})
    return output
  }

  /** A Linear on 3-D activations: MatMul with a transposed `onnx::MatMul_N`, or MatMulNBits in q4 graphs. */
  linear3d(x: string, module: string, parameter: string, id: number, zeroPoints: boolean): string {
    const path = `/${scope(module)}/MatMul`
    const name = `onnx::MatMul_${id}`
    if (this.precision === 'q4' || this.precision === 'q4f16') {
      const {shape, values} = this.values.get(parameter)!
      const [N, K] = shape
      const q = quantizeQ4Reference(values, N, K, 16, zeroPoints)
      this.initializers.push({name: `${name}_Q4`, dims: [N, Math.ceil(K / 16), 8], dataType: T.UINT8, rawData: q.packed})
      this.initializers.push({name: `${name}_scales`, dims: [q.scales.length], dataType: this.floatType, rawData: this.floatBytes(q.scales)})
      if (q.zeroPoints) this.initializers.push({name: `${name}_zero_points`, dims: [q.zeroPoints.length], dataType: T.UINT8, rawData: q.zeroPoints})
      this.expected.set(`${name}_Q4`, {parameter, layout: 'transposed'})
      const ints = (n: string, i: number) => ({name: n, type: 'int' as const, i})
      return this.node('MatMulNBits', `${path}_Q4`, [x, `${name}_Q4`, `${name}_scales`, ...(q.zeroPoints ? [`${name}_zero_points`] : [])], [ints('K', K), ints('N', N), ints('bits', 4), ints('block_size', 16)], 'com.microsoft')
    }
    if (this.precision === 'q8') return this.dynamicQuantized(x, path, name, parameter, zeroPoints)
    return this.node('MatMul', path, [x, this.param(name, parameter, 'transposed')])
  }

  /**
   * onnxruntime's quantize_dynamic pattern: DynamicQuantizeLinear on the activations, MatMulInteger
   * on `<W>_quantized` ([in, out]), then the two scales. uint8 per tensor with a zero point
   * (`asymmetric`), or uint8 per output channel, symmetric (zero points 128).
   */
  dynamicQuantized(x: string, path: string, name: string, parameter: string, asymmetric: boolean): string {
    const {shape, values} = this.values.get(parameter)!
    const [N, K] = shape
    const q = quantizeQ8Reference(values, N, K, asymmetric)
    this.initializers.push({name: `${name}_quantized`, dims: [K, N], dataType: T.UINT8, rawData: q.codes})
    this.initializers.push({name: `${name}_scale`, dims: asymmetric ? [] : [N], dataType: T.FLOAT, rawData: new Uint8Array(q.scales.buffer)})
    this.initializers.push({name: `${name}_zero_point`, dims: asymmetric ? [] : [N], dataType: T.UINT8, rawData: q.zeroPoints})
    this.expected.set(`${name}_quantized`, {parameter, layout: 'transposed'})
    const base = path.slice(0, -'/MatMul'.length)
    const quantized = `${base}/MatMul_QuantizeLinear`
    const [xq, xScale, xZero] = ['quantized', 'scale', 'zero_point'].map((part) => `${quantized}_${part}`)
    this.nodes.push({name: quantized, opType: 'DynamicQuantizeLinear', input: [x], output: [xq, xScale, xZero]})
    const integer = this.node('MatMulInteger', `${path}_quant`, [xq, `${name}_quantized`, xZero, `${name}_zero_point`])
    const cast = this.node('Cast', `${path}_quant_output_cast`, [integer], [{name: 'to', type: 'int', i: T.FLOAT}])
    const scale = this.node('Mul', `${path}_quant_scales_mul`, [xScale, `${name}_scale`])
    return this.node('Mul', `${path}_quant_output_scale_mul`, [cast, scale])
  }

  finish(name: string, inputs: OnnxValueInfo[], outputs: OnnxValueInfo[]): Template {
    const quantized = this.precision === 'q4' || this.precision === 'q4f16'
    return {
      model: {
        irVersion: 8,
        opsetImport: [{domain: '', version: 17}, ...(quantized ? [{domain: 'com.microsoft', version: 1}] : [])],
        producerName: 'pytorch',
        producerVersion: '2.5.1',
        metadataProps: [{key: 'exported_by', value: 'cmaam test fixture'}],
        graph: {name, node: [...this.identities, ...this.nodes], initializer: this.initializers, input: inputs, output: outputs},
      },
      expected: this.expected,
      constants: this.constants,
      twins: this.twins,
    }
  }
}

/** The exporter's scope of a module: `model.layers.0.mlp` → `model/layers.0/mlp`. */
const scope = (module: string) => module.replace(/\.(?=[a-z_])/g, '/')
const ints = (name: string, values: number[]) => ({name, type: 'ints' as const, ints: values})
const int = (name: string, value: number) => ({name, type: 'int' as const, i: value})
const float = (name: string, value: number) => ({name, type: 'float' as const, f: value})

/** `embed_tokens` exported on its own: its one parameter is called `weight`. */
export function embedTemplate(values: Values, precision: Precision): Template {
  const g = new GraphBuilder(values, precision)
  g.node('Gather', '/Gather', [g.param('weight', 'model.embed_tokens.weight'), 'input_ids'])
  g.nodes[g.nodes.length - 1].output = ['inputs_embeds']
  return g.finish('main_graph', [{name: 'input_ids', elemType: T.INT64, shape: ['batch_size', 'sequence_length']}], [{name: 'inputs_embeds', elemType: g.floatType, shape: ['batch_size', 'sequence_length', D.hidden]}])
}

/** `visual` exported on its own: module-relative names, Gemm (transB=1) for Linear layers on 2-D activations. */
export function visionTemplate(values: Values, precision: Precision): Template {
  const {vision: v} = D
  const g = new GraphBuilder(values, precision)
  const p = (name: string, layout: 'same' | 'transposed' = 'same') => g.param(name, `visual.${name}`, layout)
  const gemm = (x: string, module: string) =>
    g.node('Gemm', `/${scope(module).replace('mlp.2', 'mlp/mlp.2')}/Gemm`, [x, p(`${module}.weight`), p(`${module}.bias`)], [float('alpha', 1), float('beta', 1), int('transB', 1)])
  const layerNorm = (x: string, module: string) => g.node('LayerNormalization', `/${scope(module)}/LayerNormalization`, [x, p(`${module}.weight`), p(`${module}.bias`)], [int('axis', -1), float('epsilon', 1e-6)])

  let x = g.node('Reshape', '/patch_embed/Reshape', ['pixel_values', g.int64('onnx::Reshape_12', [-1, 3, 2, 2, 2])])
  x = g.node('Conv', '/patch_embed/proj/Conv', [x, p('patch_embed.proj.weight')], [ints('kernel_shape', [2, 2, 2]), ints('strides', [2, 2, 2])])
  x = g.node('Reshape', '/patch_embed/Reshape_1', [x, g.int64('onnx::Reshape_15', [-1, v])])
  let h = layerNorm(x, 'blocks.0.norm1')
  h = gemm(h, 'blocks.0.attn.qkv')
  h = g.node('Reshape', '/blocks.0/attn/Reshape', [h, g.int64('onnx::Reshape_20', [-1, 3, v])])
  h = g.node('ReduceSum', '/blocks.0/attn/ReduceSum', [h, g.int64('onnx::ReduceSum_21', [1])], [int('keepdims', 0)])
  h = gemm(h, 'blocks.0.attn.proj')
  x = g.node('Add', '/blocks.0/Add', [x, h])
  h = layerNorm(x, 'blocks.0.norm2')
  h = gemm(h, 'blocks.0.mlp.fc1')
  h = g.node('Relu', '/blocks.0/mlp/act/Relu', [h])
  // A bias-free MatMul on 2-D activations, its bias added by its own node: the module path names both.
  h = g.node('MatMul', '/blocks.0/mlp/fc2/MatMul', [h, g.param('onnx::MatMul_30', 'visual.blocks.0.mlp.fc2.weight', 'transposed')])
  h = g.node('Add', '/blocks.0/mlp/fc2/Add', [g.param('blocks.0.mlp.fc2.bias', 'visual.blocks.0.mlp.fc2.bias'), h])
  x = g.node('Add', '/blocks.0/Add_1', [x, h])
  x = layerNorm(x, 'merger.ln_q')
  x = g.node('Reshape', '/merger/Reshape', [x, g.int64('onnx::Reshape_40', [-1, 4 * v])])
  // A square matrix read by MatMul: only the op says it is stored transposed.
  x = g.node('MatMul', '/merger/mlp/mlp.0/MatMul', [x, g.param('onnx::MatMul_41', 'visual.merger.mlp.0.weight', 'transposed')])
  x = g.node('Add', '/merger/mlp/mlp.0/Add', [p('merger.mlp.0.bias'), x])
  x = g.node('Relu', '/merger/mlp/mlp.1/Relu', [x])
  x = gemm(x, 'merger.mlp.2')
  g.nodes[g.nodes.length - 1].output = ['image_features']
  return g.finish('main_graph', [{name: 'pixel_values', elemType: g.floatType, shape: ['num_patches', D.patchIn]}], [{name: 'image_features', elemType: g.floatType, shape: ['num_features', D.hidden]}])
}

/** The decoder exported from the whole model: full names, transposed `onnx::MatMul_N` (or MatMulNBits), tied lm_head. */
export function decoderTemplate(values: Values, precision: Precision): Template {
  const {hidden: h} = D
  const g = new GraphBuilder(values, precision)
  const lmHead = values.has('lm_head.weight') ? 'lm_head.weight' : 'model.embed_tokens.weight'
  const x = 'inputs_embeds'
  let n = g.node('Mul', '/model/layers.0/input_layernorm/Mul_1', [x, g.param('model.layers.0.input_layernorm.weight', 'model.layers.0.input_layernorm.weight')])
  let q = g.linear3d(n, 'model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.q_proj.weight', 101, true)
  q = g.node('Add', '/model/layers.0/self_attn/q_proj/Add', [g.param('model.layers.0.self_attn.q_proj.bias', 'model.layers.0.self_attn.q_proj.bias'), q])
  let k = g.linear3d(n, 'model.layers.0.self_attn.k_proj', 'model.layers.0.self_attn.k_proj.weight', 102, false)
  k = g.node('Add', '/model/layers.0/self_attn/k_proj/Add', [g.param('model.layers.0.self_attn.k_proj.bias', 'model.layers.0.self_attn.k_proj.bias'), k])
  k = g.node('ReduceSum', '/model/layers.0/self_attn/ReduceSum', [k, g.int64('onnx::ReduceSum_110', [-1])], [int('keepdims', 1)])
  let a = g.node('Add', '/model/layers.0/self_attn/Add', [q, k])
  a = g.linear3d(a, 'model.layers.0.self_attn.o_proj', 'model.layers.0.self_attn.o_proj.weight', 103, false)
  let r = g.node('Add', '/model/layers.0/Add', [x, a])
  n = g.node('Mul', '/model/layers.0/post_attention_layernorm/Mul_1', [r, g.param('model.layers.0.post_attention_layernorm.weight', 'model.layers.0.post_attention_layernorm.weight')])
  let gate = g.linear3d(n, 'model.layers.0.mlp.gate_proj', 'model.layers.0.mlp.gate_proj.weight', 104, true)
  gate = g.node('Relu', '/model/layers.0/mlp/act_fn/Relu', [gate])
  const up = g.linear3d(n, 'model.layers.0.mlp.up_proj', 'model.layers.0.mlp.up_proj.weight', 105, false)
  let m = g.node('Mul', '/model/layers.0/mlp/Mul', [gate, up])
  m = g.linear3d(m, 'model.layers.0.mlp.down_proj', 'model.layers.0.mlp.down_proj.weight', 106, true)
  r = g.node('Add', '/model/layers.0/Add_1', [r, m])
  // Constants that are not parameters: a rotary-like frequency vector and a 2-D float table.
  const freq = Float32Array.from({length: h}, (_, i) => 1 + i / 100)
  r = g.node('Mul', '/model/rotary_emb/Mul', [r, g.constant('model.rotary_emb.inv_freq', [h], g.floatType, g.floatBytes(freq))])
  r = g.node('Add', '/model/rotary_emb/Add', [r, g.constant('onnx::Add_150', [1, h], g.floatType, g.floatBytes(freq.map((f) => f - 1)))])
  n = g.node('Mul', '/model/norm/Mul_1', [r, g.param('model.norm.weight', 'model.norm.weight')])
  g.linear3d(n, 'lm_head', lmHead, 107, true)
  g.nodes[g.nodes.length - 1].output = ['logits']
  return g.finish('main_graph', [{name: 'inputs_embeds', elemType: g.floatType, shape: ['batch_size', 'sequence_length', h]}], [{name: 'logits', elemType: g.floatType, shape: ['batch_size', 'sequence_length', D.vocab]}])
}

const SUFFIX: Record<Precision, string> = {fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4', q4f16: '_q4f16'}

export interface WrittenTemplate {
  dir: string
  /** File name in onnx/ → its template. */
  files: Map<string, Template>
}

/**
 * Writes a template folder (`onnx/` with the three sessions per precision, config.json). With
 * `external`, the decoder's initializers go to `decoder_model_merged{sfx}.onnx_data`.
 */
export function writeTemplate(dir: string, values: Values, options: {precisions: Precision[]; external?: boolean}): WrittenTemplate {
  mkdirSync(join(dir, 'onnx'), {recursive: true})
  writeFileSync(join(dir, 'config.json'), JSON.stringify(QWEN2VL_CONFIG))
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({processor_class: 'Qwen2VLProcessor'}))
  const files = new Map<string, Template>()
  for (const precision of options.precisions) {
    const sessions: [string, Template][] = [
      ['embed_tokens', embedTemplate(values, precision)],
      ['vision_encoder', visionTemplate(values, precision)],
      ['decoder_model_merged', decoderTemplate(values, precision)],
    ]
    for (const [session, template] of sessions) {
      const file = `${session}${SUFFIX[precision]}.onnx`
      if (options.external && session === 'decoder_model_merged') moveToExternalData(template.model, join(dir, 'onnx'), `${file}_data`)
      writeFileSync(join(dir, 'onnx', file), encodeModel(template.model))
      files.set(file, template)
    }
  }
  return {dir, files}
}

/**
 * Moves the float initializers' data into one external data file, as onnx.save_model(save_as_external_data=True)
 * does above its size threshold; small integer constants stay inline (shape inference must read them).
 */
function moveToExternalData(model: OnnxModel, dir: string, location: string): void {
  const parts: Buffer[] = []
  let offset = 0
  model.graph.initializer = model.graph.initializer.map((tensor) => {
    if (tensor.dataType === T.INT64) return tensor
    const data = Buffer.from(tensor.rawData!)
    const entry: OnnxTensor = {name: tensor.name, dims: tensor.dims, dataType: tensor.dataType, externalData: {location, offset, length: data.length}}
    parts.push(data)
    offset += data.length
    return entry
  })
  writeFileSync(join(dir, location), Buffer.concat(parts))
}

export function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]
  return out
}

/** float16 bits of x by the exact reference rounding (test/compute/exact-rounding.ts). */
export function f16BitsExact(x: number): number {
  return roundExact(x, F16)
}

/** The value of float16 bits. */
export function f16Value(bits: number): number {
  return valueOf(bits, F16)
}

/** A plain block-wise 4-bit quantizer for building q4 templates (not the code under test). */
export function quantizeQ4Reference(values: Float32Array, N: number, K: number, block: number, zeroPoints: boolean) {
  const blocks = Math.ceil(K / block)
  const packed = new Uint8Array(N * blocks * (block / 2))
  const scales = new Float32Array(N * blocks)
  const zp = zeroPoints ? new Uint8Array(N * Math.ceil(blocks / 2)) : null
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const slice = Array.from(values.subarray(n * K + b * block, n * K + Math.min(K, (b + 1) * block)))
      const lo = Math.min(0, ...slice)
      const hi = Math.max(0, ...slice)
      const scale = zeroPoints ? (hi - lo) / 15 || 1 : Math.max(-lo, hi) / 8 || 1
      const zero = zeroPoints ? Math.round(-lo / scale) : 8
      scales[n * blocks + b] = scale
      if (zp) zp[n * Math.ceil(blocks / 2) + (b >> 1)] |= zero << ((b & 1) * 4)
      for (let k = 0; k < block; k++) {
        const q = k < slice.length ? Math.max(0, Math.min(15, Math.round(slice[k] / scale) + zero)) : zero
        packed[(n * blocks + b) * (block / 2) + (k >> 1)] |= q << ((k & 1) * 4)
      }
    }
  }
  return {packed, scales, zeroPoints: zp}
}

/**
 * A plain 8-bit quantizer for building q8 templates: uint8 per tensor (asymmetric) or uint8 per row,
 * symmetric around 128. (int8 weights are avoided: onnxruntime's u8s8 kernel saturates on CPUs
 * without VNNI unless the weights use 7 bits.)
 */
export function quantizeQ8Reference(values: Float32Array, N: number, K: number, asymmetric: boolean) {
  const codes = new Uint8Array(N * K)
  if (asymmetric) {
    const lo = Math.min(0, ...values)
    const hi = Math.max(0, ...values)
    const scale = (hi - lo) / 255
    const zero = Math.round(-lo / scale)
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) codes[k * N + n] = Math.max(0, Math.min(255, Math.round(values[n * K + k] / scale) + zero))
    return {codes, scales: Float32Array.of(scale), zeroPoints: Uint8Array.of(zero)}
  }
  const scales = new Float32Array(N)
  for (let n = 0; n < N; n++) {
    const row = values.subarray(n * K, (n + 1) * K)
    scales[n] = Math.max(...Array.from(row, Math.abs)) / 127
    for (let k = 0; k < K; k++) codes[k * N + n] = 128 + Math.round(row[k] / scales[n])
  }
  return {codes, scales, zeroPoints: new Uint8Array(N).fill(128)}
}
