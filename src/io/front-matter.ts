import {parseDocument} from 'yaml'

/**
 * A model card's YAML front matter as an object, read with the `yaml` package (a card comes from
 * outside: no regular expression of ours runs over it; aliases are refused). Null for a card without
 * front matter, or whose front matter is not valid YAML or not a mapping.
 */
export function readFrontMatter(card: string | null): Record<string, unknown> | null {
  const block = frontMatterBlock(card ?? '')
  if (block === null) return null
  const document = parseDocument(block, {prettyErrors: false})
  if (document.errors.length > 0) return null
  let value: unknown
  try {
    value = document.toJS({maxAliasCount: 0})
  } catch {
    return null
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}

/** The text between a first line `---` and the next line `---`, or null. */
function frontMatterBlock(card: string): string | null {
  const first = card.startsWith('---\n') ? 4 : card.startsWith('---\r\n') ? 5 : -1
  if (first < 0) return null
  for (let at = first; at < card.length; ) {
    const end = card.indexOf('\n', at)
    const line = card.slice(at, end < 0 ? card.length : end).replace(/\r$/, '')
    if (line === '---') return card.slice(first, at)
    if (end < 0) return null
    at = end + 1
  }
  return null
}
