import {TensorDataType, type OnnxModel} from '../../io/onnx-proto'
import {GraphBuilder, type ExternalDataSink} from './graph-builder'
import type {Qwen2VLShape, WeightLookup} from './qwen2vl-shape'

/**
 * `vision_encoder.onnx`: `pixel_values` [patches, 3·temporal·patch²] and `grid_thw` → `image_features`
 * [patches / merge², hidden]. The `visual` module exported on its own: parameters keep their
 * module-relative names (`blocks.0.attn.qkv.weight`), its Linear layers run on 2-D activations and
 * so are `Gemm` with `transB=1` ([out, in] kept), the patch embedding is a Conv3d. Attention spans
 * all patches of the input and has no rotary embedding (grid_thw is accepted and unused): enough
 * for a tiny test model.
 */
export function visionEncoderGraph(shape: Qwen2VLShape, weight: WeightLookup, external?: ExternalDataSink): OnnxModel {
  const g = new GraphBuilder(external)
  const E = shape.visionHidden
  const headDim = E / shape.visionHeads
  const param = (name: string): string => {
    const w = weight(`visual.${name}`)
    return g.float(name, w.shape, w.values)
  }
  const gemm = (scope: string, x: string, name: string): string => g.op1(scope, 'Gemm', [x, param(`${name}.weight`), param(`${name}.bias`)], {alpha: 1, beta: 1, transB: 1})
  const layerNorm = (scope: string, x: string, name: string): string =>
    g.op1(scope, 'LayerNormalization', [x, param(`${name}.weight`), param(`${name}.bias`)], {axis: -1, epsilon: 1e-6})
  const ints = (scope: string, index: number, values: number[]): string => g.int64(`${scope}/Constant_${index}_output_0`, values)

  const {patchSize: P, temporalPatchSize: T} = shape
  const patches = g.op1('/patch_embed', 'Reshape', ['pixel_values', ints('/patch_embed', 0, [-1, 3, T, P, P])])
  const embedded = g.op1('/patch_embed/proj', 'Conv', [patches, param('patch_embed.proj.weight')], {kernel_shape: [T, P, P], strides: [T, P, P]})
  let x = g.op1('/patch_embed', 'Reshape', [embedded, ints('/patch_embed', 1, [-1, E])])

  for (let i = 0; i < shape.visionLayers; i++) {
    const block = `/blocks.${i}`
    const attn = `${block}/attn`
    const h = layerNorm(`${block}/norm1`, x, `blocks.${i}.norm1`)
    const qkv = g.op1(attn, 'Transpose', [g.op1(attn, 'Reshape', [gemm(`${attn}/qkv`, h, `blocks.${i}.attn.qkv`), ints(attn, 0, [-1, 3, shape.visionHeads, headDim])])], {perm: [1, 2, 0, 3]})
    const [q, k, v] = g.op(attn, 'Split', [qkv], {axis: 0}, 3)
    const scores = g.op1(attn, 'Mul', [g.op1(attn, 'MatMul', [q, g.op1(attn, 'Transpose', [k], {perm: [0, 1, 3, 2]})]), g.float(`${attn}/Constant_1_output_0`, [], [1 / Math.sqrt(headDim)])])
    const context = g.op1(attn, 'MatMul', [g.op1(attn, 'Softmax', [scores], {axis: -1}), v])
    const merged = g.op1(attn, 'Reshape', [g.op1(attn, 'Transpose', [context], {perm: [0, 2, 1, 3]}), ints(attn, 2, [-1, E])])
    x = g.op1(block, 'Add', [x, gemm(`${attn}/proj`, merged, `blocks.${i}.attn.proj`)])

    const mlp = `${block}/mlp`
    const h2 = layerNorm(`${block}/norm2`, x, `blocks.${i}.norm2`)
    const fc1 = gemm(`${mlp}/fc1`, h2, `blocks.${i}.mlp.fc1`)
    // QuickGELU, as Qwen2-VL's vision blocks use: x·σ(1.702·x).
    const act = g.op1(`${mlp}/act`, 'Mul', [fc1, g.op1(`${mlp}/act`, 'Sigmoid', [g.op1(`${mlp}/act`, 'Mul', [fc1, g.float(`${mlp}/act/Constant_output_0`, [], [1.702])])])])
    x = g.op1(block, 'Add', [x, gemm(`${mlp}/fc2`, act, `blocks.${i}.mlp.fc2`)])
  }

  // The merger joins each 2×2 group of neighbouring patches (adjacent rows in the processor's order).
  const merger = '/merger'
  const grouped = g.op1(merger, 'Reshape', [layerNorm(`${merger}/ln_q`, x, 'merger.ln_q'), ints(merger, 0, [-1, E * shape.mergeSize ** 2])])
  const first = gemm(`${merger}/mlp/mlp.0`, grouped, 'merger.mlp.0')
  // nn.GELU (exact): x·(1 + erf(x/√2))/2.
  const gelu = `${merger}/mlp/mlp.1`
  const erf = g.op1(gelu, 'Erf', [g.op1(gelu, 'Div', [first, g.float(`${gelu}/Constant_output_0`, [], [Math.SQRT2])])])
  const activated = g.op1(gelu, 'Mul', [g.op1(gelu, 'Mul', [first, g.op1(gelu, 'Add', [erf, g.float(`${gelu}/Constant_1_output_0`, [], [1])])]), g.float(`${gelu}/Constant_2_output_0`, [], [0.5])])
  g.op1(`${merger}/mlp/mlp.2`, 'Gemm', [activated, param('merger.mlp.2.weight'), param('merger.mlp.2.bias')], {alpha: 1, beta: 1, transB: 1}, 'image_features')

  return {
    irVersion: 8,
    opsetImport: [{domain: '', version: 17}],
    producerName: 'cmaam',
    graph: g.graph(
      'main_graph',
      [
        {name: 'pixel_values', elemType: TensorDataType.FLOAT, shape: ['num_patches', 3 * T * P * P]},
        {name: 'grid_thw', elemType: TensorDataType.INT64, shape: ['num_images', 3]},
      ],
      [{name: 'image_features', elemType: TensorDataType.FLOAT, shape: ['num_image_tokens', shape.hidden]}],
    ),
  }
}
