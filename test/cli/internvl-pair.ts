import {join} from 'node:path'
import {writeF32Model, type F32Tensor} from '../merge/helpers'

const range = (n: number): number[] => Array.from({length: n}, (_, i) => i)

/**
 * Tensor names of an InternVL2 checkpoint with an InternLM2 decoder (`trust_remote_code` layout),
 * two vision blocks and two decoder layers, tiny shapes; by component, as the InternVL modeling
 * code splits the model (vision_model / mlp1 / language_model).
 */
export const INTERNVL = {
  vision: [
    ['vision_model.embeddings.class_embedding', [1, 1, 8]],
    ['vision_model.embeddings.patch_embedding.weight', [8, 3, 2, 2]],
    ['vision_model.embeddings.patch_embedding.bias', [8]],
    ['vision_model.embeddings.position_embedding', [1, 5, 8]],
    ...range(2).flatMap((i) => [
      [`vision_model.encoder.layers.${i}.ls1`, [8]],
      [`vision_model.encoder.layers.${i}.ls2`, [8]],
      [`vision_model.encoder.layers.${i}.attn.qkv.weight`, [24, 8]],
      [`vision_model.encoder.layers.${i}.attn.qkv.bias`, [24]],
      [`vision_model.encoder.layers.${i}.attn.proj.weight`, [8, 8]],
      [`vision_model.encoder.layers.${i}.attn.proj.bias`, [8]],
      [`vision_model.encoder.layers.${i}.mlp.fc1.weight`, [16, 8]],
      [`vision_model.encoder.layers.${i}.mlp.fc1.bias`, [16]],
      [`vision_model.encoder.layers.${i}.mlp.fc2.weight`, [8, 16]],
      [`vision_model.encoder.layers.${i}.mlp.fc2.bias`, [8]],
      [`vision_model.encoder.layers.${i}.norm1.weight`, [8]],
      [`vision_model.encoder.layers.${i}.norm1.bias`, [8]],
      [`vision_model.encoder.layers.${i}.norm2.weight`, [8]],
      [`vision_model.encoder.layers.${i}.norm2.bias`, [8]],
    ]),
  ],
  bridge: [
    ['mlp1.0.weight', [32]],
    ['mlp1.0.bias', [32]],
    ['mlp1.1.weight', [16, 32]],
    ['mlp1.1.bias', [16]],
    ['mlp1.3.weight', [16, 16]],
    ['mlp1.3.bias', [16]],
  ],
  language: range(2).flatMap((i) => [
    [`language_model.model.layers.${i}.attention.wqkv.weight`, [32, 16]],
    [`language_model.model.layers.${i}.attention.wo.weight`, [16, 16]],
    [`language_model.model.layers.${i}.feed_forward.w1.weight`, [32, 16]],
    [`language_model.model.layers.${i}.feed_forward.w3.weight`, [32, 16]],
    [`language_model.model.layers.${i}.feed_forward.w2.weight`, [16, 32]],
    [`language_model.model.layers.${i}.attention_norm.weight`, [16]],
    [`language_model.model.layers.${i}.ffn_norm.weight`, [16]],
  ]),
  shared: [
    ['language_model.model.tok_embeddings.weight', [64, 16]],
    ['language_model.model.norm.weight', [16]],
    ['language_model.output.weight', [64, 16]],
  ],
} as Record<'vision' | 'bridge' | 'language' | 'shared', Array<[string, number[]]>>

export const INTERNVL_CONFIG = {model_type: 'internvl_chat', architectures: ['InternVLChatModel'], llm_config: {model_type: 'internlm2'}}

/** `<dir>/target` (base) and `<dir>/source` (fine-tune: the base plus a small, tensor-specific change). */
export async function writeInternvlPair(dir: string): Promise<{source: string; target: string}> {
  const all = Object.values(INTERNVL).flat()
  const tensors = (shift: number): F32Tensor[] =>
    all.map(([name, shape], t) => ({
      name,
      shape,
      values: range(shape.reduce((a, b) => a * b, 1)).map((i) => Math.sin(i * 0.37 + t) * 0.5 + shift * Math.cos(i * 0.11 + 2 * t)),
    }))
  const target = join(dir, 'target')
  const source = join(dir, 'source')
  await writeF32Model(target, tensors(0), INTERNVL_CONFIG)
  await writeF32Model(source, tensors(0.05), INTERNVL_CONFIG)
  return {source, target}
}
