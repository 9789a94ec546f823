import {isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, parseDocument, type Node} from 'yaml'
import {MAX_NESTING} from './parse-json'

/** A parsed YAML value, with the line it starts on (1-based) so that callers can point at it. */
export type YamlNode =
  | {kind: 'scalar'; value: string; line: number}
  | {kind: 'null'; line: number}
  | {kind: 'list'; items: YamlNode[]; line: number}
  | {kind: 'map'; entries: YamlEntry[]; line: number}

export interface YamlEntry {
  key: string
  line: number
  value: YamlNode
}

/** A syntax error at one line; callers add the file name. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`)
    this.name = 'YamlSyntaxError'
  }
}

/**
 * Reads one YAML document (cmaam's own `cmaam_config.yaml`, adapter files) with the `yaml` package.
 * Scalars stay text (the failsafe schema): the caller knows which keys hold numbers; an empty plain
 * value is null. Aliases (a way to make a small file expand hugely), keys that are not scalars and
 * nesting deeper than MAX_NESTING levels are refused with their line.
 */
export function parseYaml(text: string): YamlNode {
  const tooDeep = deepLine(text)
  if (tooDeep !== null) throw new YamlSyntaxError(tooDeep, `nested deeper than ${MAX_NESTING} levels`)
  const lines = new LineCounter()
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lines.linePos(offset).line)
  const document = parseDocument(text, {schema: 'failsafe', lineCounter: lines, prettyErrors: false, uniqueKeys: false})
  const error = document.errors[0]
  if (error !== undefined) {
    const problem = /Maximum call stack/.test(error.message) ? `nested deeper than ${MAX_NESTING} levels` : error.message.split('\n')[0]
    throw new YamlSyntaxError(lineOf(error.pos[0]), problem)
  }

  const convert = (node: Node | null, depth: number, fallbackLine: number): YamlNode => {
    if (node === null) return {kind: 'null', line: fallbackLine}
    const line = lineOf(node.range?.[0])
    if (depth > MAX_NESTING) throw new YamlSyntaxError(line, `nested deeper than ${MAX_NESTING} levels`)
    if (isAlias(node)) throw new YamlSyntaxError(line, `the alias *${node.source} is not supported; write the value out`)
    if (isScalar(node)) {
      const value = String(node.value)
      return value === '' && node.type === 'PLAIN' ? {kind: 'null', line} : {kind: 'scalar', value, line}
    }
    if (isSeq(node)) return {kind: 'list', items: node.items.map((item) => convert(item as Node | null, depth + 1, line)), line}
    if (isMap(node)) {
      const seen = new Set<string>()
      const entries = node.items.map((pair): YamlEntry => {
        const key = pair.key as Node | null
        const keyLine = lineOf(key?.range?.[0] ?? node.range?.[0])
        if (!isScalar(key)) throw new YamlSyntaxError(keyLine, 'a key must be a plain name')
        const name = String(key.value)
        if (seen.has(name)) throw new YamlSyntaxError(keyLine, `${name} is set twice`)
        seen.add(name)
        return {key: name, line: keyLine, value: convert(pair.value as Node | null, depth + 1, keyLine)}
      })
      return {kind: 'map', entries, line}
    }
    throw new YamlSyntaxError(line, 'unexpected YAML node')
  }
  return convert(document.contents as Node | null, 0, 1)
}

/**
 * The line where the text nests too deeply for the parser to be safe, or null: `yaml` parses
 * recursively, and overflows the stack (or worse) a few hundred block levels or some ten thousand
 * flow levels down. Its lexer is not recursive, so the nesting is bounded on its tokens first: flow
 * brackets open, and a block level takes at least one column (an indent or a `- ` on the line).
 */
function deepLine(text: string): number | null {
  let line = 1
  let flow = 0
  let columns = 0
  for (const token of new Lexer().lex(text)) {
    if (token === '\n') {
      line++
      columns = 0
    } else if (token === '[' || token === '{') {
      if (++flow > MAX_NESTING) return line
    } else if (token === ']' || token === '}') {
      flow--
    } else if (columns === 0 && /^ +$/.test(token)) {
      columns = token.length
    } else if (token === '-' || token === '?') {
      columns++
    }
    if (columns > 2 * MAX_NESTING) return line
  }
  return null
}
