/**
 * Tensor layouts of the five supported families, with realistic names (legacy on-disk layout,
 * as the models are published) and shapes scaled by `Dims`. Used to generate example pairs.
 */
export type ExampleFamily = 'qwen2vl' | 'llava' | 'llava_onevision' | 'cogvlm' | 'mplugowl'
export const EXAMPLE_FAMILIES: readonly ExampleFamily[] = ['qwen2vl', 'llava', 'llava_onevision', 'cogvlm', 'mplugowl']

/** How a tensor's values are initialised: weight matrices, norms (≈1), biases, embeddings. */
export type ValueKind = 'matrix' | 'norm' | 'bias' | 'embedding'

export interface ExampleTensor {
  name: string
  shape: number[]
  kind: ValueKind
}

export interface Dims {
  visionHidden: number
  visionLayers: number
  visionMlp: number
  hidden: number
  intermediate: number
  layers: number
  kvHidden: number
  vocab: number
  /** Vision positions (patches + class token). */
  positions: number
  /** Write `lm_head.weight` (false: tied embeddings, as in Qwen2-VL-2B). */
  lmHead: boolean
}

export const TINY_DIMS: Dims = {visionHidden: 32, visionLayers: 2, visionMlp: 64, hidden: 64, intermediate: 128, layers: 2, kvHidden: 16, vocab: 512, positions: 17, lmHead: true}

export interface FamilyLayout {
  tensors: ExampleTensor[]
  config: Record<string, unknown>
}

export function familyLayout(family: ExampleFamily, d: Dims): FamilyLayout {
  return LAYOUTS[family](d)
}

const w = (name: string, ...shape: number[]): ExampleTensor => ({name, shape, kind: 'matrix'})
const b = (name: string, size: number): ExampleTensor => ({name, shape: [size], kind: 'bias'})
const n = (name: string, size: number): ExampleTensor => ({name, shape: [size], kind: 'norm'})
const e = (name: string, ...shape: number[]): ExampleTensor => ({name, shape, kind: 'embedding'})
const linear = (name: string, out: number, inp: number): ExampleTensor[] => [w(`${name}.weight`, out, inp), b(`${name}.bias`, out)]
const layerNorm = (name: string, size: number): ExampleTensor[] => [n(`${name}.weight`, size), b(`${name}.bias`, size)]
const range = (count: number): number[] => Array.from({length: count}, (_, i) => i)

/** A Llama/Qwen2 decoder layer; `qkvBias` for Qwen2. */
function decoderLayer(prefix: string, d: Dims, qkvBias: boolean): ExampleTensor[] {
  const proj = (name: string, out: number): ExampleTensor[] => (qkvBias ? linear(`${prefix}.self_attn.${name}`, out, d.hidden) : [w(`${prefix}.self_attn.${name}.weight`, out, d.hidden)])
  return [
    n(`${prefix}.input_layernorm.weight`, d.hidden),
    ...proj('q_proj', d.hidden),
    ...proj('k_proj', d.kvHidden),
    ...proj('v_proj', d.kvHidden),
    w(`${prefix}.self_attn.o_proj.weight`, d.hidden, d.hidden),
    n(`${prefix}.post_attention_layernorm.weight`, d.hidden),
    w(`${prefix}.mlp.gate_proj.weight`, d.intermediate, d.hidden),
    w(`${prefix}.mlp.up_proj.weight`, d.intermediate, d.hidden),
    w(`${prefix}.mlp.down_proj.weight`, d.hidden, d.intermediate),
  ]
}

/** A CLIP/SigLIP encoder layer as llava-hf names it. */
function clipLayer(prefix: string, d: Dims): ExampleTensor[] {
  return [
    ...layerNorm(`${prefix}.layer_norm1`, d.visionHidden),
    ...linear(`${prefix}.self_attn.q_proj`, d.visionHidden, d.visionHidden),
    ...linear(`${prefix}.self_attn.k_proj`, d.visionHidden, d.visionHidden),
    ...linear(`${prefix}.self_attn.v_proj`, d.visionHidden, d.visionHidden),
    ...linear(`${prefix}.self_attn.out_proj`, d.visionHidden, d.visionHidden),
    ...layerNorm(`${prefix}.layer_norm2`, d.visionHidden),
    ...linear(`${prefix}.mlp.fc1`, d.visionMlp, d.visionHidden),
    ...linear(`${prefix}.mlp.fc2`, d.visionHidden, d.visionMlp),
  ]
}

function lmHead(name: string, d: Dims): ExampleTensor[] {
  return d.lmHead ? [w(name, d.vocab, d.hidden)] : []
}

function baseConfig(modelType: string, architecture: string, d: Dims, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    architectures: [architecture],
    model_type: modelType,
    torch_dtype: 'bfloat16',
    hidden_size: d.hidden,
    intermediate_size: d.intermediate,
    num_hidden_layers: d.layers,
    vocab_size: d.vocab,
    tie_word_embeddings: !d.lmHead,
    ...extra,
  }
}

const LAYOUTS: Record<ExampleFamily, (d: Dims) => FamilyLayout> = {
  qwen2vl: (d) => {
    const merged = d.visionHidden * 4
    return {
      tensors: [
        w('visual.patch_embed.proj.weight', d.visionHidden, 3, 2, 14, 14),
        ...range(d.visionLayers).flatMap((i) => [
          ...layerNorm(`visual.blocks.${i}.norm1`, d.visionHidden),
          ...layerNorm(`visual.blocks.${i}.norm2`, d.visionHidden),
          ...linear(`visual.blocks.${i}.attn.qkv`, 3 * d.visionHidden, d.visionHidden),
          ...linear(`visual.blocks.${i}.attn.proj`, d.visionHidden, d.visionHidden),
          ...linear(`visual.blocks.${i}.mlp.fc1`, d.visionMlp, d.visionHidden),
          ...linear(`visual.blocks.${i}.mlp.fc2`, d.visionHidden, d.visionMlp),
        ]),
        ...layerNorm('visual.merger.ln_q', d.visionHidden),
        ...linear('visual.merger.mlp.0', merged, merged),
        ...linear('visual.merger.mlp.2', d.hidden, merged),
        e('model.embed_tokens.weight', d.vocab, d.hidden),
        ...range(d.layers).flatMap((i) => decoderLayer(`model.layers.${i}`, d, true)),
        n('model.norm.weight', d.hidden),
        ...lmHead('lm_head.weight', d),
      ],
      config: baseConfig('qwen2_vl', 'Qwen2VLForConditionalGeneration', d, {
        vision_config: {embed_dim: d.visionHidden, depth: d.visionLayers, hidden_size: d.hidden, mlp_ratio: d.visionMlp / d.visionHidden, spatial_merge_size: 2, patch_size: 14},
      }),
    }
  },
  llava: (d) => ({
    tensors: [
      e('vision_tower.vision_model.embeddings.class_embedding', d.visionHidden),
      w('vision_tower.vision_model.embeddings.patch_embedding.weight', d.visionHidden, 3, 14, 14),
      e('vision_tower.vision_model.embeddings.position_embedding.weight', d.positions, d.visionHidden),
      ...layerNorm('vision_tower.vision_model.pre_layrnorm', d.visionHidden),
      ...range(d.visionLayers).flatMap((i) => clipLayer(`vision_tower.vision_model.encoder.layers.${i}`, d)),
      ...layerNorm('vision_tower.vision_model.post_layernorm', d.visionHidden),
      ...linear('multi_modal_projector.linear_1', d.hidden, d.visionHidden),
      ...linear('multi_modal_projector.linear_2', d.hidden, d.hidden),
      e('language_model.model.embed_tokens.weight', d.vocab, d.hidden),
      ...range(d.layers).flatMap((i) => decoderLayer(`language_model.model.layers.${i}`, d, false)),
      n('language_model.model.norm.weight', d.hidden),
      ...lmHead('language_model.lm_head.weight', d),
    ],
    config: baseConfig('llava', 'LlavaForConditionalGeneration', d, {
      vision_config: {model_type: 'clip_vision_model', hidden_size: d.visionHidden, num_hidden_layers: d.visionLayers},
      text_config: {model_type: 'llama', hidden_size: d.hidden, num_hidden_layers: d.layers},
    }),
  }),
  llava_onevision: (d) => ({
    tensors: [
      e('image_newline', d.hidden),
      ...linear('vision_tower.vision_model.embeddings.patch_embedding', d.visionHidden, d.visionHidden).map((t, i) =>
        i === 0 ? {...t, shape: [d.visionHidden, 3, 14, 14]} : t,
      ),
      e('vision_tower.vision_model.embeddings.position_embedding.weight', d.positions, d.visionHidden),
      ...range(d.visionLayers).flatMap((i) => clipLayer(`vision_tower.vision_model.encoder.layers.${i}`, d)),
      ...layerNorm('vision_tower.vision_model.post_layernorm', d.visionHidden),
      ...linear('multi_modal_projector.linear_1', d.hidden, d.visionHidden),
      ...linear('multi_modal_projector.linear_2', d.hidden, d.hidden),
      e('language_model.model.embed_tokens.weight', d.vocab, d.hidden),
      ...range(d.layers).flatMap((i) => decoderLayer(`language_model.model.layers.${i}`, d, true)),
      n('language_model.model.norm.weight', d.hidden),
      ...lmHead('language_model.lm_head.weight', d),
    ],
    config: baseConfig('llava_onevision', 'LlavaOnevisionForConditionalGeneration', d, {
      vision_config: {model_type: 'siglip_vision_model', hidden_size: d.visionHidden, num_hidden_layers: d.visionLayers},
      text_config: {model_type: 'qwen2', hidden_size: d.hidden, num_hidden_layers: d.layers},
    }),
  }),
  cogvlm: (d) => ({
    tensors: [
      e('model.embed_tokens.weight', d.vocab, d.hidden),
      ...range(d.layers).flatMap((i) => {
        const p = `model.layers.${i}`
        return [
          n(`${p}.input_layernorm.weight`, d.hidden),
          w(`${p}.self_attn.language_expert_query_key_value.weight`, d.hidden + 2 * d.kvHidden, d.hidden),
          ...linear(`${p}.self_attn.vision_expert_query_key_value`, d.hidden + 2 * d.kvHidden, d.hidden),
          w(`${p}.self_attn.language_expert_dense.weight`, d.hidden, d.hidden),
          w(`${p}.self_attn.vision_expert_dense.weight`, d.hidden, d.hidden),
          n(`${p}.post_attention_layernorm.weight`, d.hidden),
          ...['language_mlp', 'vision_mlp'].flatMap((m) => [
            w(`${p}.mlp.${m}.gate_proj.weight`, d.intermediate, d.hidden),
            w(`${p}.mlp.${m}.up_proj.weight`, d.intermediate, d.hidden),
            w(`${p}.mlp.${m}.down_proj.weight`, d.hidden, d.intermediate),
          ]),
        ]
      }),
      n('model.norm.weight', d.hidden),
      ...lmHead('lm_head.weight', d),
      e('model.vision.boi', 1, 1, d.hidden),
      e('model.vision.eoi', 1, 1, d.hidden),
      ...linear('model.vision.conv', d.hidden, d.visionHidden).map((t, i) => (i === 0 ? {...t, shape: [d.hidden, d.visionHidden, 2, 2]} : t)),
      w('model.vision.linear_proj.linear_proj.weight', d.hidden, d.hidden),
      ...layerNorm('model.vision.linear_proj.norm1', d.hidden),
      w('model.vision.linear_proj.dense_h_to_4h.weight', d.intermediate, d.hidden),
      w('model.vision.linear_proj.gate_proj.weight', d.intermediate, d.hidden),
      w('model.vision.linear_proj.dense_4h_to_h.weight', d.hidden, d.intermediate),
      e('model.vision.patch_embedding.cls_embedding', 1, d.visionHidden),
      e('model.vision.patch_embedding.position_embedding.weight', d.positions, d.visionHidden),
      ...linear('model.vision.patch_embedding.proj', d.visionHidden, d.visionHidden).map((t, i) => (i === 0 ? {...t, shape: [d.visionHidden, 3, 14, 14]} : t)),
      ...range(d.visionLayers).flatMap((i) => {
        const p = `model.vision.transformer.layers.${i}`
        return [
          ...layerNorm(`${p}.input_layernorm`, d.visionHidden),
          ...linear(`${p}.attention.query_key_value`, 3 * d.visionHidden, d.visionHidden),
          ...linear(`${p}.attention.dense`, d.visionHidden, d.visionHidden),
          ...layerNorm(`${p}.post_attention_layernorm`, d.visionHidden),
          ...linear(`${p}.mlp.fc1`, d.visionMlp, d.visionHidden),
          ...linear(`${p}.mlp.fc2`, d.visionHidden, d.visionMlp),
        ]
      }),
    ],
    config: baseConfig('cogvlm2', 'CogVLMForCausalLM', d, {vision_config: {hidden_size: d.visionHidden, num_hidden_layers: d.visionLayers}}),
  }),
  mplugowl: (d) => ({
    tensors: [
      e('model.embed_tokens.weight', d.vocab, d.hidden),
      ...range(d.layers).flatMap((i) => {
        const p = `model.layers.${i}`
        return [
          ...[0, 1].map((m) => n(`${p}.input_layernorm.multiway.${m}.weight`, d.hidden)),
          w(`${p}.self_attn.q_proj.weight`, d.hidden, d.hidden),
          ...[0, 1].flatMap((m) => [w(`${p}.self_attn.k_proj.multiway.${m}.weight`, d.hidden, d.hidden), w(`${p}.self_attn.v_proj.multiway.${m}.weight`, d.hidden, d.hidden)]),
          w(`${p}.self_attn.o_proj.weight`, d.hidden, d.hidden),
          ...[0, 1].map((m) => n(`${p}.post_attention_layernorm.multiway.${m}.weight`, d.hidden)),
          w(`${p}.mlp.gate_proj.weight`, d.intermediate, d.hidden),
          w(`${p}.mlp.up_proj.weight`, d.intermediate, d.hidden),
          w(`${p}.mlp.down_proj.weight`, d.hidden, d.intermediate),
        ]
      }),
      n('model.norm.weight', d.hidden),
      ...lmHead('lm_head.weight', d),
      e('model.vision_model.embeddings.cls_token', 1, 1, d.visionHidden),
      w('model.vision_model.embeddings.patch_embed.weight', d.visionHidden, 3, 14, 14),
      e('model.vision_model.embeddings.position_embedding', 1, d.positions, d.visionHidden),
      ...layerNorm('model.vision_model.embeddings.pre_layernorm', d.visionHidden),
      ...range(d.visionLayers).flatMap((i) => {
        const p = `model.vision_model.encoder.layers.${i}`
        return [
          ...layerNorm(`${p}.input_layernorm`, d.visionHidden),
          ...linear(`${p}.self_attn.query_key_value`, 3 * d.visionHidden, d.visionHidden),
          ...linear(`${p}.self_attn.dense`, d.visionHidden, d.visionHidden),
          ...layerNorm(`${p}.post_attention_layernorm`, d.visionHidden),
          ...linear(`${p}.mlp.fc1`, d.visionMlp, d.visionHidden),
          ...linear(`${p}.mlp.fc2`, d.visionHidden, d.visionMlp),
        ]
      }),
      ...layerNorm('model.vision_model.post_layernorm', d.visionHidden),
      e('model.visual_abstractor.query_embeds', 1, 8, d.visionHidden),
      ...range(2).flatMap((i) => {
        const p = `model.visual_abstractor.encoder.layers.${i}.crossattention`
        return [
          ...['query', 'key', 'value'].flatMap((q) => linear(`${p}.attention.${q}`, d.visionHidden, d.visionHidden)),
          ...layerNorm(`${p}.norm1`, d.visionHidden),
          ...layerNorm(`${p}.normk`, d.visionHidden),
          ...layerNorm(`${p}.output.mlp.ffn_ln`, d.visionMlp),
          ...linear(`${p}.output.mlp.w1`, d.visionMlp, d.visionHidden),
          ...linear(`${p}.output.mlp.w2`, d.visionHidden, d.visionMlp),
          ...linear(`${p}.output.mlp.w3`, d.visionMlp, d.visionHidden),
          ...layerNorm(`${p}.output.norm2`, d.visionHidden),
          ...linear(`${p}.output.out_proj`, d.visionHidden, d.visionHidden),
        ]
      }),
      ...linear('model.visual_abstractor.visual_fc', d.hidden, d.visionHidden),
      e('model.visual_abstractor.vit_eos', 1, 1, d.hidden),
    ],
    config: baseConfig('mplug_owl2', 'MPLUGOwl2LlamaForCausalLM', d, {visual_config: {visual_model: {hidden_size: d.visionHidden}}}),
  }),
}
