/** Deeper nesting than any real config, index or header has; deeper input overflows recursive readers. */
export const MAX_NESTING = 256

/**
 * `JSON.parse` for text from outside: a document nested deeper than MAX_NESTING levels is a
 * SyntaxError like any other malformed JSON (callers name the file), instead of a stack overflow
 * in whatever walks the value later.
 */
export function parseJson(text: string): unknown {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING) throw new SyntaxError(`nested deeper than ${MAX_NESTING} levels (at position ${i})`)
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return JSON.parse(text)
}
