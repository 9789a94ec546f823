import {byteLevelTokenizerJson, specialTokenId, SPECIAL_TOKENS} from './byte-level-tokenizer'
import type {Qwen2VLShape} from './qwen2vl-shape'

/** Qwen2-VL-Instruct's chat template (images become `<|vision_start|><|image_pad|><|vision_end|>`). */
const QWEN2VL_CHAT_TEMPLATE =
  "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] == 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"

/** Side length of the tiny model's images: 2×2 patches of 14 px, one merged image token. */
export const TINY_IMAGE_SIZE = 28

/**
 * The files besides the weights that transformers.js (and transformers) load a tiny Qwen2-VL with:
 * `config.json`, `generation_config.json`, `preprocessor_config.json` (with `processor_class`),
 * a byte-level `tokenizer.json` and `tokenizer_config.json` with the chat template.
 */
export function qwen2VLModelFiles(shape: Qwen2VLShape): Record<string, string> {
  const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'
  const eos = specialTokenId('<|im_end|>')
  const pad = specialTokenId('<|endoftext|>')
  return {
    'config.json': json({
      architectures: ['Qwen2VLForConditionalGeneration'],
      model_type: 'qwen2_vl',
      torch_dtype: 'float32',
      transformers_version: '4.45.0',
      vocab_size: shape.vocab,
      hidden_size: shape.hidden,
      intermediate_size: shape.intermediate,
      num_hidden_layers: shape.layers,
      num_attention_heads: shape.heads,
      num_key_value_heads: shape.kvHeads,
      head_dim: shape.headDim,
      rms_norm_eps: shape.rmsNormEps,
      hidden_act: 'silu',
      max_position_embeddings: 32768,
      rope_theta: 1000000,
      rope_scaling: {type: 'mrope', mrope_section: [2, 3, 3]},
      tie_word_embeddings: !shape.lmHead,
      bos_token_id: pad,
      eos_token_id: eos,
      pad_token_id: pad,
      vision_start_token_id: specialTokenId('<|vision_start|>'),
      vision_end_token_id: specialTokenId('<|vision_end|>'),
      vision_token_id: specialTokenId('<|vision_pad|>'),
      image_token_id: specialTokenId('<|image_pad|>'),
      video_token_id: specialTokenId('<|video_pad|>'),
      vision_config: {
        depth: shape.visionLayers,
        embed_dim: shape.visionHidden,
        num_heads: shape.visionHeads,
        hidden_size: shape.hidden,
        mlp_ratio: 2,
        in_chans: 3,
        patch_size: shape.patchSize,
        temporal_patch_size: shape.temporalPatchSize,
        spatial_merge_size: shape.mergeSize,
        hidden_act: 'quick_gelu',
      },
    }),
    'generation_config.json': json({bos_token_id: pad, eos_token_id: [eos, pad], pad_token_id: pad, do_sample: false, transformers_version: '4.45.0'}),
    'preprocessor_config.json': json({
      processor_class: 'Qwen2VLProcessor',
      image_processor_type: 'Qwen2VLImageProcessor',
      do_resize: true,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      do_convert_rgb: true,
      min_pixels: TINY_IMAGE_SIZE ** 2,
      max_pixels: (2 * TINY_IMAGE_SIZE) ** 2,
      patch_size: shape.patchSize,
      temporal_patch_size: shape.temporalPatchSize,
      merge_size: shape.mergeSize,
    }),
    'tokenizer.json': json(byteLevelTokenizerJson()),
    'tokenizer_config.json': json({
      add_prefix_space: false,
      added_tokens_decoder: Object.fromEntries(SPECIAL_TOKENS.map((content) => [String(specialTokenId(content)), {content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true}])),
      additional_special_tokens: SPECIAL_TOKENS.slice(1),
      bos_token: null,
      chat_template: QWEN2VL_CHAT_TEMPLATE,
      clean_up_tokenization_spaces: false,
      eos_token: '<|im_end|>',
      errors: 'replace',
      model_max_length: 32768,
      pad_token: '<|endoftext|>',
      split_special_tokens: false,
      tokenizer_class: 'Qwen2Tokenizer',
      unk_token: null,
    }),
    'special_tokens_map.json': json({eos_token: '<|im_end|>', pad_token: '<|endoftext|>', additional_special_tokens: SPECIAL_TOKENS.slice(1)}),
  }
}
