/** One LoRA-adapted module: the adapter's tensor names of its two factors. */
export interface LoraModule {
  /** Module path as the trained model named it, e.g. `model.layers.0.self_attn.q_proj`. */
  module: string
  /** `lora_A` [r, in] and `lora_B` [out, r]; for an embedding `lora_embedding_A` [r, vocab] and `lora_embedding_B` [dim, r]. */
  a: string
  b: string
  embedding: boolean
}

export interface AdapterKeys {
  modules: LoraModule[]
  /** Full tensors that replace the base's (`modules_to_save`, trained biases): parameter path → adapter tensor name. */
  replacements: Map<string, string>
  /** The adapter name found in the keys (`default`…), or null when the keys carry none. */
  adapterName: string | null
}

const FACTORS = new Set(['lora_A', 'lora_B', 'lora_embedding_A', 'lora_embedding_B'])

/**
 * Sorts a PEFT adapter's tensor names: `base_model.model.<module>.lora_A[.<adapter>].weight` (and
 * `lora_B`, `lora_embedding_A/B` without `.weight`) into LoRA modules; anything else is a full tensor
 * that replaces the base's, with `modules_to_save.<adapter>.` removed. Throws (a message) on keys
 * cmaam cannot apply.
 */
export function parseAdapterKeys(names: Iterable<string>): AdapterKeys {
  const factors = new Map<string, Partial<Record<'a' | 'b', string>> & {embedding: boolean}>()
  const replacements = new Map<string, string>()
  const adapterNames = new Set<string>()
  for (const key of names) {
    const segments = key.replace(/^base_model\.model\./, '').split('.')
    if (segments.includes('lora_magnitude_vector')) throw new Error(`${key} is a DoRA magnitude; cmaam applies plain LoRA only`)
    const at = segments.findIndex((s) => FACTORS.has(s))
    if (at < 0) {
      const saved = segments.indexOf('modules_to_save')
      if (saved >= 0) {
        adapterNames.add(segments[saved + 1])
        segments.splice(saved, 2)
      }
      replacements.set(segments.join('.'), key)
      continue
    }
    const factor = segments[at]
    const embedding = factor.startsWith('lora_embedding')
    const rest = segments.slice(at + 1)
    if (rest[rest.length - 1] === 'weight') rest.pop()
    if (rest.length > 1 || at === 0) throw new Error(`${key} is not a LoRA factor name cmaam knows`)
    if (rest.length === 1) adapterNames.add(rest[0])
    const module = segments.slice(0, at).join('.')
    const entry = factors.get(module) ?? {embedding}
    entry[factor.endsWith('A') ? 'a' : 'b'] = key
    factors.set(module, entry)
  }
  if (adapterNames.size > 1) throw new Error(`the weights hold several adapters (${[...adapterNames].join(', ')})`)
  const modules: LoraModule[] = []
  for (const [module, entry] of factors) {
    if (!entry.a || !entry.b) throw new Error(`module ${module} has ${entry.a ? 'lora_A' : 'lora_B'} but not ${entry.a ? 'lora_B' : 'lora_A'}`)
    modules.push({module, a: entry.a, b: entry.b, embedding: entry.embedding})
  }
  return {modules, replacements, adapterName: adapterNames.size === 1 ? [...adapterNames][0] : null}
}
