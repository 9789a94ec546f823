/**
 * The seed's metrics. Exact match: prediction and gold equal after strip() and lower-casing.
 * Contains: the gold's text after its last `answer:` (lower-cased, stripped) occurs in the
 * lower-cased prediction; a gold without `answer:` is used whole.
 */
export function exactMatch(pred: string, gold: string): boolean {
  return pythonStrip(pred).toLowerCase() === pythonStrip(gold).toLowerCase()
}

export function containsMatch(pred: string, gold: string): boolean {
  return pred.toLowerCase().includes(containsTarget(gold))
}

/** What `contains` looks for: the gold after its last `answer:` (any case), lower-cased and stripped. */
export function containsTarget(gold: string): string {
  const lower = gold.toLowerCase()
  const at = lower.lastIndexOf('answer:')
  return pythonStrip(at === -1 ? lower : lower.slice(at + 'answer:'.length))
}

/** Python's str.isspace() characters (JS's \s differs: it lacks U+001C–U+001F and U+0085, and has U+FEFF). */
const PY_SPACE = '[\\t\\n\\v\\f\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]'
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g')

/** Python's str.strip() with no argument. */
function pythonStrip(text: string): string {
  return text.replace(PY_STRIP, '')
}
