import type {Component} from '../../src/models'
import type {Row} from './weightmaps'

/**
 * Hand-written expectations for every weight map in ../shared/fixtures/weightmaps: which adapter
 * detection should pick, an ordered prefix table (first matching row wins), the tensor count per
 * component derived from the checkpoint's structure, and how many vision blocks / decoder layers it has.
 */
export interface FixtureExpectation {
  adapter: string
  table: Row[]
  counts: Record<Component, number>
  /** Number of distinct layer indices (0 … n−1) of the single vision tower and of the decoder. */
  layers: {vision: number; language: number}
}

// --- decoder parts, per layout
const DECODER_MODEL: Row[] = [
  ['model.embed_tokens.weight', 'shared'],
  ['model.norm.weight', 'shared'],
  ['lm_head.weight', 'shared'],
  ['model.layers.', 'language', /^model\.layers\.(\d+)\./],
]
const DECODER_HF: Row[] = [
  ['language_model.model.embed_tokens.weight', 'shared'],
  ['language_model.model.norm.weight', 'shared'],
  ['language_model.lm_head.weight', 'shared'],
  ['language_model.model.layers.', 'language', /^language_model\.model\.layers\.(\d+)\./],
]
const DECODER_452: Row[] = [
  ['model.language_model.embed_tokens.weight', 'shared'],
  ['model.language_model.norm.weight', 'shared'],
  ['lm_head.weight', 'shared'],
  ['model.language_model.layers.', 'language', /^model\.language_model\.layers\.(\d+)\./],
]

// --- Qwen2-VL / Qwen2.5-VL
const QWEN_LEGACY: Row[] = [
  ['visual.merger.', 'bridge'],
  ['visual.blocks.', 'vision', /^visual\.blocks\.(\d+)\./],
  ['visual.patch_embed.', 'vision'],
  ...DECODER_MODEL,
]
/** transformers ≥ 4.52: `visual` → `model.visual`, `model` → `model.language_model`, lm_head unchanged. */
const QWEN_452: Row[] = [
  ['model.visual.merger.', 'bridge'],
  ['model.visual.blocks.', 'vision', /^model\.visual\.blocks\.(\d+)\./],
  ['model.visual.patch_embed.', 'vision'],
  ...DECODER_452,
]
// Vision: patch_embed + 32 blocks × 12 (Qwen2-VL: attn.proj/qkv, mlp.fc1/fc2, norm1/norm2, weight and bias each;
// Qwen2.5-VL: attn.proj/qkv w+b 4, gated mlp down/gate/up w+b 6, RMS norm1/norm2 weight 2).
// Decoder layer: q/k/v weight+bias 6, o_proj 1, gate/up/down 3, 2 norms = 12.
// Bridge: merger.ln_q weight+bias, merger.mlp.{0,2} weight+bias = 6 (Qwen2.5-VL: ln_q has no bias).
const QWEN_7B = {vision: 1 + 32 * 12, bridge: 6, language: 28 * 12, shared: 3}

// --- LLaVA / LLaVA-NeXT (llava-hf)
const LLAVA_HF: Row[] = [
  ['multi_modal_projector.', 'bridge'],
  ['image_newline', 'bridge'],
  ['vision_tower.vision_model.encoder.layers.', 'vision', /^vision_tower\.vision_model\.encoder\.layers\.(\d+)\./],
  ['vision_tower.vision_model.', 'vision'],
  ...DECODER_HF,
]
const LLAVA_452: Row[] = [
  ['model.multi_modal_projector.', 'bridge'],
  ['model.image_newline', 'bridge'],
  ['model.vision_tower.vision_model.encoder.layers.', 'vision', /^model\.vision_tower\.vision_model\.encoder\.layers\.(\d+)\./],
  ['model.vision_tower.vision_model.', 'vision'],
  ...DECODER_452,
]
/** liuhaotian LLaVA-1.5: LM and projector only (CLIP is loaded separately). */
const LLAVA_ORIGINAL: Row[] = [['model.mm_projector.', 'bridge'], ...DECODER_MODEL]
/** lmms-lab: everything but lm_head sits under `model.*`. */
const LLAVA_LMMS: Row[] = [
  ['model.mm_projector.', 'bridge'],
  ['model.image_newline', 'bridge'],
  [
    'model.vision_tower.vision_tower.vision_model.encoder.layers.',
    'vision',
    /^model\.vision_tower\.vision_tower\.vision_model\.encoder\.layers\.(\d+)\./,
  ],
  ['model.vision_tower.vision_tower.vision_model.', 'vision'],
  ...DECODER_MODEL,
]
/** Logics-Thinking: tower 0 is a ConvNeXt (layer = stage), tower 1 a SigLIP (layer = encoder layer). */
const TOWER = /^model\.vision_tower\.vision_towers\.(\d+)\./
const LOGICS_TABLE: Row[] = [
  ['model.mm_projector.', 'bridge'],
  ['model.image_newline', 'bridge'],
  ['model.vision_tower.vision_towers.0.vision_tower.stages.', 'vision', /\.vision_tower\.stages\.(\d+)\./, TOWER],
  ['model.vision_tower.vision_towers.0.vision_tower.', 'vision', null, TOWER],
  [
    'model.vision_tower.vision_towers.1.vision_tower.vision_model.encoder.layers.',
    'vision',
    /\.vision_model\.encoder\.layers\.(\d+)\./,
    TOWER,
  ],
  ['model.vision_tower.vision_towers.1.vision_tower.vision_model.', 'vision', null, TOWER],
  ...DECODER_MODEL,
]
// CLIP ViT-L/14-336: class/patch/position embeddings 3 + 24 layers × 16 (layer_norm1/2, fc1/fc2, q/k/v/out_proj,
// weight and bias each) + post_layernorm 2 + pre_layrnorm 2.
export const CLIP = 3 + 24 * 16 + 2 + 2
// SigLIP so400m truncated to 26 layers: patch_embedding weight+bias, position_embedding 3 + 26 × 16 +
// post_layernorm 2 (no class_embedding, no pre_layrnorm).
export const SIGLIP = 3 + 26 * 16 + 2
// Logics ConvNeXt tower: stem.{0,1} 4 + head.{fc,norm} 4 + 40 blocks × 9 (conv_dw, fc1, fc2, norm: weight+bias,
// and the layer-scale `weight`) + downsample.{0,1} weight+bias in stages 1–3 = 12.
export const CONVNEXT = 4 + 4 + 40 * 9 + 12
// Llama/Mistral decoder layer: q/k/v/o 4 + gate/up/down 3 + 2 norms = 9. Projector: 2 linears × (weight, bias).
const LLAVA_7B = {vision: CLIP, bridge: 4, language: 32 * 9, shared: 3}
// OneVision: Qwen2 decoder layers of 12 (see Qwen); bridge = projector 4 + image_newline.
const ONEVISION = {vision: SIGLIP, bridge: 5, language: 28 * 12, shared: 3}

// --- CogVLM / CogVLM2 (visual-expert weights are decoder-layer weights: language)
const COGVLM: Row[] = [
  ['model.vision.linear_proj.', 'bridge'],
  ['model.vision.conv.', 'bridge'],
  ['model.vision.boi', 'bridge'],
  ['model.vision.eoi', 'bridge'],
  ['model.vision.transformer.layers.', 'vision', /^model\.vision\.transformer\.layers\.(\d+)\./],
  ['model.vision.patch_embedding.', 'vision'],
  ...DECODER_MODEL,
]
// EVA2-CLIP-E: patch_embedding cls_embedding, position_embedding, proj weight+bias = 4, plus 63 layers × 12
// (attention dense/query_key_value, input/post_attention layernorm, mlp fc1/fc2: weight and bias each).
// Decoder layer: 2 norms + language_mlp 3 + vision_mlp 3 + language/vision expert dense and qkv 4 = 12, plus
// rotary_emb.inv_freq (CogVLM) or the vision_expert_query_key_value bias (CogVLM2) = 13.
// Bridge: linear_proj (linear_proj, norm1 w+b, dense_h_to_4h, gate_proj, dense_4h_to_h) 6 + boi + eoi,
// and in CogVLM2 the 2×2 conv weight+bias.
const EVA = 4 + 63 * 12

// --- mPLUG-Owl / mPLUG-Owl2
const OWL1: Row[] = [
  ['query_tokens', 'bridge'],
  ['abstractor.', 'bridge'],
  ['vision_model.encoder.layers.', 'vision', /^vision_model\.encoder\.layers\.(\d+)\./],
  ['vision_model.', 'vision'],
  ...DECODER_HF,
]
const OWL2: Row[] = [
  ['model.visual_abstractor.', 'bridge'],
  ['model.vision_model.encoder.layers.', 'vision', /^model\.vision_model\.encoder\.layers\.(\d+)\./],
  ['model.vision_model.', 'vision'],
  // Includes the multiway.0 / multiway.1 copies.
  ...DECODER_MODEL,
]
// ViT-L/14: embeddings cls_token, patch_embed, position_embedding, pre_layernorm w+b = 5, 24 layers × 12
// (input/post_attention layernorm, self_attn dense/query_key_value, mlp fc1/fc2: weight and bias), post_layernorm 2.
const VIT = 5 + 24 * 12 + 2
// Abstractor: 6 layers × 22 (attention query/key/value, norm1, normk, mlp ffn_ln/w1/w2/w3, norm2, out_proj: weight
// and bias) + visual_fc weight+bias + vit_eos, plus query_tokens (v1) or query_embeds (v2).
const ABSTRACTOR = 6 * 22 + 2 + 1 + 1

export const EXPECTATIONS: Record<string, FixtureExpectation> = {
  'qwen2-vl-7b-instruct.json': {adapter: 'qwen2vl', table: QWEN_LEGACY, counts: QWEN_7B, layers: {vision: 32, language: 28}},
  'qwen2-vl-7b-instruct.transformers-4.52-layout.json': {
    adapter: 'qwen2vl',
    table: QWEN_452,
    counts: QWEN_7B,
    layers: {vision: 32, language: 28},
  },
  // Tied embeddings: no lm_head.
  'qwen2-vl-2b-instruct.reconstructed.json': {
    adapter: 'qwen2vl',
    table: QWEN_LEGACY,
    counts: {...QWEN_7B, shared: 2},
    layers: {vision: 32, language: 28},
  },
  'qwen2.5-vl-7b-instruct.reconstructed.json': {
    adapter: 'qwen2vl',
    table: QWEN_LEGACY,
    counts: {...QWEN_7B, bridge: 5},
    layers: {vision: 32, language: 28},
  },
  'llava-1.5-7b-hf.json': {adapter: 'llava', table: LLAVA_HF, counts: LLAVA_7B, layers: {vision: 24, language: 32}},
  'llava-1.5-7b-hf.transformers-4.52-layout.json': {
    adapter: 'llava',
    table: LLAVA_452,
    counts: LLAVA_7B,
    layers: {vision: 24, language: 32},
  },
  // LLaVA-NeXT adds image_newline to the bridge.
  'llava-v1.6-mistral-7b-hf.reconstructed.json': {
    adapter: 'llava',
    table: LLAVA_HF,
    counts: {...LLAVA_7B, bridge: 5},
    layers: {vision: 24, language: 32},
  },
  // No vision weights; mm_projector.{0,2} weight+bias; decoder layers also hold rotary_emb.inv_freq (10 each).
  'llava-v1.5-7b-original.json': {
    adapter: 'llava',
    table: LLAVA_ORIGINAL,
    counts: {vision: 0, bridge: 4, language: 32 * 10, shared: 3},
    layers: {vision: 0, language: 32},
  },
  'llava-onevision-qwen2-7b-ov-hf.reconstructed.json': {
    adapter: 'llava_onevision',
    table: LLAVA_HF,
    counts: ONEVISION,
    layers: {vision: 26, language: 28},
  },
  'llava-onevision-qwen2-7b-ov-hf.transformers-4.52-layout.json': {
    adapter: 'llava_onevision',
    table: LLAVA_452,
    counts: ONEVISION,
    layers: {vision: 26, language: 28},
  },
  'llava-onevision-qwen2-7b-ov-lmms-lab.reconstructed.json': {
    adapter: 'llava_onevision',
    table: LLAVA_LMMS,
    counts: ONEVISION,
    layers: {vision: 26, language: 28},
  },
  // Two vision towers: layers are per tower (checked in llava-onevision.test.ts), none without a tower id.
  // Qwen3-shaped decoder layer: q/k/v/o 4 + q_norm/k_norm 2 + mlp 3 + 2 norms = 11.
  'logics-thinking-llava-ov-style.json': {
    adapter: 'llava_onevision',
    table: LOGICS_TABLE,
    counts: {vision: CONVNEXT + SIGLIP, bridge: 5, language: 36 * 11, shared: 3},
    layers: {vision: 0, language: 36},
  },
  'cogvlm-chat-hf.reconstructed.json': {
    adapter: 'cogvlm',
    table: COGVLM,
    counts: {vision: EVA, bridge: 6 + 2, language: 32 * 13, shared: 3},
    layers: {vision: 63, language: 32},
  },
  'cogvlm2-llama3-chat-19b.reconstructed.json': {
    adapter: 'cogvlm',
    table: COGVLM,
    counts: {vision: EVA, bridge: 6 + 2 + 2, language: 32 * 13, shared: 3},
    layers: {vision: 63, language: 32},
  },
  // LLaMA layer: q/k/v/o 4 + mlp 3 + 2 norms = 9.
  'mplug-owl-llama-7b.reconstructed.json': {
    adapter: 'mplugowl',
    table: OWL1,
    counts: {vision: VIT, bridge: ABSTRACTOR, language: 32 * 9, shared: 3},
    layers: {vision: 24, language: 32},
  },
  // Owl2 layer: q, o, mlp 3, inv_freq, and k, v and both norms twice (multiway.0/1) = 6 + 8 = 14.
  'mplug-owl2-llama2-7b.reconstructed.json': {
    adapter: 'mplugowl',
    table: OWL2,
    counts: {vision: VIT, bridge: ABSTRACTOR, language: 32 * 14, shared: 3},
    layers: {vision: 24, language: 32},
  },
}

export function expectationsFor(adapter: string): [string, FixtureExpectation][] {
  return Object.entries(EXPECTATIONS).filter(([, expectation]) => expectation.adapter === adapter)
}
