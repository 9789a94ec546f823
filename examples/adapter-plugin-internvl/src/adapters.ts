// Only a type comes from cmaam: the built plugin has no runtime dependency on it, so it loads
// whichever way it was installed (`cmaam plugins install`, `cmaam plugins link`).
import type {AdapterDefinition} from 'cmaam'

/**
 * InternVL2 / InternVL2.5 as published with `trust_remote_code` (config.json `model_type`
 * "internvl_chat", `InternVLChatModel`): `vision_model.*` is InternViT, `mlp1.*` (LayerNorm, Linear,
 * GELU, Linear) projects pixel-shuffled vision tokens into the LM, and `language_model.*` is the
 * decoder: InternLM2 (`tok_embeddings`, `attention.wqkv`, `feed_forward.w1`, `output`) in most sizes,
 * Qwen2 / Llama / Phi-3 (`embed_tokens`, `self_attn.*`, `mlp.*`, `lm_head`) in the others.
 */
export const internvl: AdapterDefinition = {
  name: 'internvl',
  title: 'InternVL2 / InternVL2.5',
  modelTypes: ['internvl_chat'],
  architectures: ['InternVLChatModel'],
  signatures: [String.raw`^mlp1\.\d+\.`],
  rules: [
    {component: 'bridge', match: String.raw`mlp1\.`},
    {component: 'shared', match: String.raw`language_model\.model\.(?:tok_embeddings|embed_tokens|norm)\.`},
    {component: 'shared', match: String.raw`language_model\.(?:output|lm_head)\.`},
    {component: 'vision', match: String.raw`vision_model\.`, layer: String.raw`^vision_model\.encoder\.layers\.(\d+)\.`},
    {component: 'language', match: String.raw`language_model\.model\.layers\.\d+\.`, layer: String.raw`^language_model\.model\.layers\.(\d+)\.`},
  ],
}

/** The `cmaam:adapters` hook: cmaam calls it on start and registers what it returns. */
export default async function adapters(): Promise<AdapterDefinition[]> {
  return [internvl]
}
