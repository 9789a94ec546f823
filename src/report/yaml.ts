import {Document, visit} from 'yaml'

/** A value cmaam writes into YAML (model-card front matter, `cmaam_config.yaml`). */
export type YamlValue = string | number | boolean | YamlValue[] | {[key: string]: YamlValue}

/**
 * Characters to write as escapes: those PyYAML's reader refuses in a file (DEL, C1 controls, U+FFFE)
 * and the YAML 1.1 line breaks (NEL, U+2028, U+2029) that a reader would fold inside a quoted string.
 */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu

/**
 * Block YAML written with the `yaml` package: `- ` items at the key's indent, no line folding, and a
 * string value plain only when it is a simple word (`org/name`, `apache-2.0`, `F32`) that no YAML
 * reader takes for a number, boolean or null; every other string is double-quoted. Characters that
 * PyYAML refuses to read are written as escapes (`\x7F`, `\u2028`), so the file reads back as written.
 */
export function toYaml(value: {[key: string]: YamlValue}): string {
  if (Object.keys(value).length === 0) return ''
  const document = new Document(value)
  visit(document, {
    Scalar(key, node) {
      if (key !== 'key' && typeof node.value === 'string') node.type = isPlainWord(node.value) ? 'PLAIN' : 'QUOTE_DOUBLE'
    },
  })
  const text = document.toString({indentSeq: false, lineWidth: 0, minContentWidth: 0})
  // Only double-quoted scalars can hold such characters (they are not plain words), and there an escape reads back as the character.
  return text.replace(NOT_PRINTABLE, escape)
}

function isPlainWord(text: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_./@+-]*$/.test(text) && !/^(true|false|yes|no|on|off|null|~|[-+.\d][\d.eE+-]*)$/i.test(text)
}

function escape(character: string): string {
  const code = character.codePointAt(0)!
  if (code <= 0xff) return `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
  if (code <= 0xffff) return `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`
  return `\\U${code.toString(16).toUpperCase().padStart(8, '0')}`
}
