/**
 * A decoder parameter's name below its container — `model.`, `language_model.model.`,
 * `model.language_model.` … (every layout of DECODER_RULES) — so that a text-only LLM's
 * `model.layers.3.mlp.up_proj.weight` and a VLM's `model.language_model.layers.3.mlp.up_proj.weight`
 * meet as `layers.3.mlp.up_proj.weight`, and `lm_head.weight` / `language_model.lm_head.weight` as `lm_head.weight`.
 */
export function decoderKey(name: string): string {
  return name.replace(/^(?:(?:model|language_model)\.)+/, '')
}
