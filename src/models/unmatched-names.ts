import type {ModelTypeAdapter} from './types'

/** Names that no specific rule recognises, grouped by module prefix. */
export interface UnmatchedGroup {
  /** The module path before the first block number, at most two segments, then `.*` (or the whole name). */
  prefix: string
  count: number
  /** `none`: no rule matches, so the names count as language by default; `catch-all`: only a rule that accepts any name does. */
  matched: 'none' | 'catch-all'
  /** An example name of the group. */
  example: string
}

/**
 * The names an adapter classifies by default rather than by recognising them: matched by no rule,
 * or only by a catch-all. Grouped by prefix (`mlp1.*`, `vision_model.encoder.*`), largest group first.
 */
export function unmatchedNames(adapter: ModelTypeAdapter, names: Iterable<string>): UnmatchedGroup[] {
  const groups = new Map<string, UnmatchedGroup>()
  for (const name of names) {
    const rule = adapter.ruleFor(name)
    if (rule !== null && !rule.catchAll) continue
    const matched = rule === null ? 'none' : 'catch-all'
    const prefix = prefixOf(name)
    const key = `${matched} ${prefix}`
    const group = groups.get(key)
    if (group) group.count++
    else groups.set(key, {prefix, count: 1, matched, example: name})
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.prefix < b.prefix ? -1 : 1))
}

function prefixOf(name: string): string {
  const segments = name.split('.')
  const beforeBlock = segments.findIndex((segment) => /^\d+$/.test(segment))
  const path = segments.slice(0, Math.min(beforeBlock < 0 ? segments.length - 1 : beforeBlock, 2))
  return path.length === 0 ? name : `${path.join('.')}.*`
}
