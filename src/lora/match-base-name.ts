/**
 * The name without its leading `model.` / `language_model.` containers: the part that both on-disk
 * layouts share (transformers ≥ 4.52 moved `model.layers…` to `model.language_model.layers…` and
 * `visual…` to `model.visual…`; llava-hf's `language_model.model…` and `language_model.lm_head`
 * became `model.language_model…` and `lm_head`).
 */
function layoutFreeName(name: string): string {
  return name.replace(/^(?:(?:model|language_model)\.)+/, '')
}

/**
 * Finds the base checkpoint's name for a parameter named as the adapter's model named it: the same
 * name, else the one base name with the same layout-free name. Null when there is none or several.
 */
export function createBaseNameMatcher(baseNames: Iterable<string>): (name: string) => string | null {
  const exact = new Set(baseNames)
  const byFree = new Map<string, string | null>()
  for (const name of exact) {
    const free = layoutFreeName(name)
    byFree.set(free, byFree.has(free) ? null : name)
  }
  return (name) => (exact.has(name) ? name : byFree.get(layoutFreeName(name)) ?? null)
}
