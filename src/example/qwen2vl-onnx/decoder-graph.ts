import {TensorDataType, type OnnxModel} from '../../io/onnx-proto'
import {parameterSource} from '../../onnx/parameter-source'
import {quantizeQ4} from '../../onnx/quantize-q4'
import {GraphBuilder, type ExternalDataSink} from './graph-builder'
import type {Qwen2VLShape, WeightLookup, WeightTensor} from './qwen2vl-shape'
import {transposed} from './transposed'

export interface DecoderGraphOptions {
  /** Large initializers to external data instead of the protobuf. */
  external?: ExternalDataSink
  /**
   * Linear weights (lm_head included) as 4-bit `MatMulNBits` (block 32, float32 scales, zero points),
   * as onnxruntime's `matmul_nbits_quantizer` writes the `_q4` exports; else transposed float MatMuls.
   */
  q4?: boolean
}

/** onnxruntime's default q4 block along K. */
const Q4_BLOCK = 32

/**
 * `decoder_model_merged.onnx` of transformers.js's Qwen2-VL contract, exported-style: inputs
 * `inputs_embeds`, `attention_mask`, `position_ids` [3, batch, seq] and `past_key_values.N.key|value`;
 * outputs `logits` and `present.N.key|value` (past and new keys concatenated). Names as torch.onnx
 * writes them for the whole model: norms and biases keep their parameter names, Linear weights
 * become transposed `onnx::MatMul_<n>` initializers read by `/model/layers.N/…/<proj>/MatMul`.
 * Attention is causal with grouped K/V heads; the rotary embedding is left out (positions are
 * accepted and unused), which a tiny test model does not need.
 */
export function decoderGraph(shape: Qwen2VLShape, weight: WeightLookup, options: DecoderGraphOptions = {}): OnnxModel {
  const g = new GraphBuilder(options.external)
  const {hidden, heads, kvHeads, headDim} = shape
  let matmulId = 1000
  /** `x` times the Linear weight `w` ([out, in]), the weight stored as `name`. */
  const matmul = (scope: string, x: string, w: WeightTensor, name: string, output?: string): string => {
    if (!options.q4) {
      g.float(name, [w.shape[1], w.shape[0]], transposed(w))
      return g.op1(scope, 'MatMul', [x, name], {}, output)
    }
    const [N, K] = w.shape
    const blocks = Math.ceil(K / Q4_BLOCK)
    const q = quantizeQ4(parameterSource('F32', new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), N * K), {N, K, blockSize: Q4_BLOCK, scaleDtype: 'F32', zeroPoints: true})
    const inputs = [x, g.uint8(`${name}_Q4`, [N, blocks, Q4_BLOCK / 2], q.packed), g.tensor(`${name}_scales`, [N * blocks], TensorDataType.FLOAT, q.scales), g.uint8(`${name}_zero_points`, [q.zeroPoints!.length], q.zeroPoints!)]
    return g.op(scope, 'MatMulNBits', inputs, {K, N, bits: 4, block_size: Q4_BLOCK}, output === undefined ? 1 : [output], 'com.microsoft')[0]
  }
  const linear = (scope: string, x: string, param: string, bias: boolean): string => {
    const y = matmul(scope, x, weight(`${param}.weight`), `onnx::MatMul_${matmulId++}`)
    if (!bias) return y
    const b = weight(`${param}.bias`)
    return g.op1(scope, 'Add', [g.float(`${param}.bias`, b.shape, b.values), y])
  }
  const rmsNorm = (scope: string, x: string, param: string): string => {
    const two = g.float(`${scope}/Constant_output_0`, [], [2])
    const eps = g.float(`${scope}/Constant_1_output_0`, [], [shape.rmsNormEps])
    const one = g.float(`${scope}/Constant_2_output_0`, [], [1])
    const mean = g.op1(scope, 'ReduceMean', [g.op1(scope, 'Pow', [x, two])], {axes: [-1], keepdims: 1})
    const inverse = g.op1(scope, 'Div', [one, g.op1(scope, 'Sqrt', [g.op1(scope, 'Add', [mean, eps])])])
    const w = weight(`${param}.weight`)
    return g.op1(scope, 'Mul', [g.float(`${param}.weight`, w.shape, w.values), g.op1(scope, 'Mul', [x, inverse])])
  }
  const ints = (scope: string, index: number, values: number[]): string => g.int64(`${scope}/Constant_${index}_output_0`, values)

  // The additive mask [batch, 1, seq, total]: causal over past + new positions, and padding.
  const embeds = 'inputs_embeds'
  const pastLength = g.op1('/model', 'Gather', [g.op1('/model', 'Shape', ['past_key_values.0.key']), ints('/model', 0, [2])])
  const newLength = g.op1('/model', 'Gather', [g.op1('/model', 'Shape', [embeds]), ints('/model', 1, [1])])
  const total = g.op1('/model', 'Add', [pastLength, newLength])
  const firstAxis = ints('/model', 2, [0])
  const scalar = (x: string): string => g.op1('/model', 'Squeeze', [x, firstAxis])
  const one = g.int64('/model/Constant_3_output_0', [1])
  const zero = g.int64('/model/Constant_4_output_0', [0])
  const rows = g.op1('/model', 'Range', [scalar(pastLength), scalar(total), scalar(one)])
  const columns = g.op1('/model', 'Range', [scalar(zero), scalar(total), scalar(one)])
  const future = g.op1('/model', 'Greater', [g.op1('/model', 'Unsqueeze', [columns, ints('/model', 5, [0])]), g.op1('/model', 'Unsqueeze', [rows, ints('/model', 6, [1])])])
  const padding = g.op1('/model', 'Unsqueeze', [g.op1('/model', 'Equal', ['attention_mask', zero]), ints('/model', 7, [1, 2])])
  const blocked = g.op1('/model', 'Or', [future, padding])
  const mask = g.op1('/model', 'Where', [blocked, g.float('/model/Constant_8_output_0', [], [-1e9]), g.float('/model/Constant_9_output_0', [], [0])])

  let x = embeds
  for (let i = 0; i < shape.layers; i++) {
    const layer = `/model/layers.${i}`
    const p = `model.layers.${i}`
    const attn = `${layer}/self_attn`
    const h = rmsNorm(`${layer}/input_layernorm`, x, `${p}.input_layernorm`)
    const split = (y: string, n: number, index: number): string =>
      g.op1(attn, 'Transpose', [g.op1(attn, 'Reshape', [y, ints(attn, index, [0, 0, n, headDim])])], {perm: [0, 2, 1, 3]})
    const q = split(linear(`${attn}/q_proj`, h, `${p}.self_attn.q_proj`, true), heads, 0)
    const k = split(linear(`${attn}/k_proj`, h, `${p}.self_attn.k_proj`, true), kvHeads, 1)
    const v = split(linear(`${attn}/v_proj`, h, `${p}.self_attn.v_proj`, true), kvHeads, 2)
    const keys = g.op1(attn, 'Concat', [`past_key_values.${i}.key`, k], {axis: 2}, `present.${i}.key`)
    const values = g.op1(attn, 'Concat', [`past_key_values.${i}.value`, v], {axis: 2}, `present.${i}.value`)
    // Query heads sharing a K/V head are stacked along the sequence: [batch, kv_heads, group·seq, head_dim].
    const grouped = g.op1(attn, 'Reshape', [q, ints(attn, 3, [0, kvHeads, -1, headDim])])
    const scores = g.op1(attn, 'Reshape', [g.op1(attn, 'MatMul', [grouped, g.op1(attn, 'Transpose', [keys], {perm: [0, 1, 3, 2]})]), ints(attn, 4, [0, heads, -1, 0])])
    const scaled = g.op1(attn, 'Add', [g.op1(attn, 'Mul', [scores, g.float(`${attn}/Constant_5_output_0`, [], [1 / Math.sqrt(headDim)])]), mask])
    const probs = g.op1(attn, 'Reshape', [g.op1(attn, 'Softmax', [scaled], {axis: -1}), ints(attn, 6, [0, kvHeads, -1, 0])])
    const context = g.op1(attn, 'Reshape', [g.op1(attn, 'MatMul', [probs, values]), ints(attn, 7, [0, heads, -1, headDim])])
    const merged = g.op1(attn, 'Reshape', [g.op1(attn, 'Transpose', [context], {perm: [0, 2, 1, 3]}), ints(attn, 8, [0, 0, hidden])])
    x = g.op1(layer, 'Add', [x, linear(`${attn}/o_proj`, merged, `${p}.self_attn.o_proj`, false)])

    const mlp = `${layer}/mlp`
    const h2 = rmsNorm(`${layer}/post_attention_layernorm`, x, `${p}.post_attention_layernorm`)
    const gate = linear(`${mlp}/gate_proj`, h2, `${p}.mlp.gate_proj`, false)
    const activated = g.op1(`${mlp}/act_fn`, 'Mul', [gate, g.op1(`${mlp}/act_fn`, 'Sigmoid', [gate])])
    const up = linear(`${mlp}/up_proj`, h2, `${p}.mlp.up_proj`, false)
    x = g.op1(layer, 'Add', [x, linear(`${mlp}/down_proj`, g.op1(mlp, 'Mul', [activated, up]), `${p}.mlp.down_proj`, false)])
  }
  const normed = rmsNorm('/model/norm', x, 'model.norm')
  const head = shape.lmHead ? weight('lm_head.weight') : weight('model.embed_tokens.weight')
  matmul('/lm_head', normed, head, `onnx::MatMul_${matmulId++}`, 'logits')

  const kvShape = ['batch_size', kvHeads, 'past_sequence_length', headDim]
  const presentShape = ['batch_size', kvHeads, 'total_sequence_length', headDim]
  const cache = (prefix: string, dims: (string | number)[]) =>
    Array.from({length: shape.layers}, (_, i) => ['key', 'value'].map((kind) => ({name: `${prefix}.${i}.${kind}`, elemType: TensorDataType.FLOAT, shape: dims}))).flat()
  return {
    irVersion: 8,
    opsetImport: options.q4 ? [{domain: '', version: 17}, {domain: 'com.microsoft', version: 1}] : [{domain: '', version: 17}],
    producerName: 'cmaam',
    graph: g.graph(
      'main_graph',
      [
        {name: 'inputs_embeds', elemType: TensorDataType.FLOAT, shape: ['batch_size', 'sequence_length', hidden]},
        {name: 'attention_mask', elemType: TensorDataType.INT64, shape: ['batch_size', 'total_sequence_length']},
        {name: 'position_ids', elemType: TensorDataType.INT64, shape: [3, 'batch_size', 'sequence_length']},
        ...cache('past_key_values', kvShape),
      ],
      [{name: 'logits', elemType: TensorDataType.FLOAT, shape: ['batch_size', 'sequence_length', shape.vocab]}, ...cache('present', presentShape)],
    ),
  }
}
