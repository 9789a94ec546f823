import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../../errors'
import {readModelConfig} from '../../io/read-model-config'
import {qwen2VLModelFiles} from './qwen2vl-model-files'
import type {Qwen2VLShape, WeightLookup, WeightTensor} from './qwen2vl-shape'
import {readWeights} from './read-weights'
import {writeQwen2VLGraphs} from './write-qwen2vl-graphs'

export interface WriteQwen2VLOnnxOptions {
  /** A folder with Qwen2-VL safetensors (names as in Qwen2-VL-2B/7B; small sizes). */
  weights: string
  /** Where `onnx/` and the transformers.js files go; default: the weights folder. */
  output?: string
  /** Also write config, tokenizer and processor files (default true). */
  modelFiles?: boolean
  /** `q4` writes `<session>_q4.onnx` with 4-bit decoder weights (default fp32). */
  dtype?: 'fp32' | 'q4'
  /** Large initializers in `<file>_data` next to each graph (needed over 2 GB). */
  externalData?: boolean
}

/**
 * Writes a transformers.js-loadable fp32 ONNX export of a small Qwen2-VL checkpoint, its graphs
 * named the way torch.onnx names the Hub's exports (kept names for embeddings, norms and biases,
 * transposed `onnx::MatMul_<n>` decoder weights, vision `Gemm` with `transB=1`): a template that
 * `onnx apply` can write other weights into, and a model `cmaam eval` runs.
 */
export async function writeQwen2VLOnnx(options: WriteQwen2VLOnnxOptions): Promise<{dir: string; shape: Qwen2VLShape; files: string[]}> {
  const output = options.output ?? options.weights
  const weights = await readWeights(options.weights)
  const config = (await readModelConfig(options.weights)) ?? {}
  const weight: WeightLookup = (name) => {
    const tensor = weights.get(name)
    if (!tensor) throw new CmaamError(`${options.weights} has no tensor ${name}`, {hint: 'Pass a Qwen2-VL checkpoint (e.g. one written by `cmaam example --family qwen2vl`).'})
    return tensor
  }
  const shape = qwen2VLShape(weight, weights, config)
  const files = await writeQwen2VLGraphs({output, shape, weight, dtype: options.dtype, externalData: options.externalData})
  if (options.modelFiles ?? true) {
    for (const [name, text] of Object.entries(qwen2VLModelFiles(shape))) {
      await writeFile(join(output, name), text)
      files.push(name)
    }
  }
  return {dir: output, shape, files}
}

function qwen2VLShape(weight: WeightLookup, weights: Map<string, WeightTensor>, config: Record<string, unknown>): Qwen2VLShape {
  const count = (pattern: RegExp): number => [...weights.keys()].filter((name) => pattern.test(name)).length
  const vision = (config.vision_config ?? {}) as Record<string, unknown>
  const number = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback)
  const [vocab, hidden] = weight('model.embed_tokens.weight').shape
  const patch = weight('visual.patch_embed.proj.weight').shape
  const heads = number(config.num_attention_heads, Math.max(1, hidden / 16))
  const headDim = hidden / heads
  const visionHidden = patch[0]
  return {
    vocab,
    hidden,
    intermediate: weight('model.layers.0.mlp.gate_proj.weight').shape[0],
    layers: count(/^model\.layers\.\d+\.input_layernorm\.weight$/),
    heads,
    kvHeads: weight('model.layers.0.self_attn.k_proj.weight').shape[0] / headDim,
    headDim,
    rmsNormEps: number(config.rms_norm_eps, 1e-6),
    visionHidden,
    visionLayers: count(/^visual\.blocks\.\d+\.norm1\.weight$/),
    visionHeads: number(vision.num_heads, Math.max(1, visionHidden / 16)),
    patchSize: patch[3],
    temporalPatchSize: patch[2],
    mergeSize: Math.round(Math.sqrt(weight('visual.merger.mlp.0.weight').shape[1] / visionHidden)),
    lmHead: weights.has('lm_head.weight'),
  }
}
