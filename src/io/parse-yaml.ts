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

interface Line {
  number: number
  indent: number
  text: string
}

const KEY = /^([A-Za-z_][\w.-]*)\s*:(?:\s+(.*))?$/

/**
 * Reads the block-style YAML subset that cmaam's own files use (`cmaam_config.yaml`, adapter
 * files): maps, `- ` lists (of scalars or maps), plain, 'single' and "double" quoted scalars, flow
 * lists `[a, b]`, `#` comments and a `---` start. Scalars stay text: the caller knows which keys
 * hold numbers. Anything else (anchors, block scalars, flow maps, tabs) is refused with its line.
 */
export function parseYaml(text: string): YamlNode {
  const lines: Line[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const content = stripComment(raw)
    if (content.trim() === '' || (lines.length === 0 && content.trim() === '---')) return
    if (/^ *\t/.test(content)) throw new YamlSyntaxError(i + 1, 'indent with spaces, not tabs')
    const indent = content.length - content.trimStart().length
    lines.push({number: i + 1, indent, text: content.trim()})
  })
  if (lines.length === 0) return {kind: 'null', line: 1}
  if (lines[0].indent !== 0) throw new YamlSyntaxError(lines[0].number, `unexpected indentation in ${JSON.stringify(lines[0].text)}`)
  const state = {lines, at: 0}
  const node = parseBlock(state, 0)
  if (state.at < lines.length) {
    const line = lines[state.at]
    throw new YamlSyntaxError(line.number, `unexpected indentation in ${JSON.stringify(line.text)}`)
  }
  return node
}

function parseBlock(state: {lines: Line[]; at: number}, indent: number): YamlNode {
  const first = state.lines[state.at]
  return isItem(first.text) ? parseList(state, indent) : parseMap(state, indent)
}

function parseMap(state: {lines: Line[]; at: number}, indent: number): YamlNode {
  const {lines} = state
  const entries: YamlEntry[] = []
  const start = lines[state.at].number
  while (state.at < lines.length && lines[state.at].indent === indent && !isItem(lines[state.at].text)) {
    const line = lines[state.at]
    const match = KEY.exec(line.text)
    if (!match) throw new YamlSyntaxError(line.number, `expected "key: value", got ${JSON.stringify(line.text)}`)
    const key = match[1]
    if (entries.some((entry) => entry.key === key)) throw new YamlSyntaxError(line.number, `${key} is set twice`)
    state.at++
    entries.push({key, line: line.number, value: valueAfter(state, line, indent, match[2])})
  }
  return {kind: 'map', entries, line: start}
}

function parseList(state: {lines: Line[]; at: number}, indent: number): YamlNode {
  const {lines} = state
  const items: YamlNode[] = []
  const start = lines[state.at].number
  while (state.at < lines.length && lines[state.at].indent === indent && isItem(lines[state.at].text)) {
    const line = lines[state.at]
    const rest = line.text.slice(1).trimStart()
    if (KEY.test(rest)) {
      // `- key: value` starts a map whose keys line up with `key`.
      const column = indent + line.text.length - rest.length
      lines[state.at] = {number: line.number, indent: column, text: rest}
      items.push(parseMap(state, column))
    } else {
      state.at++
      items.push(valueAfter(state, line, indent, rest === '' ? undefined : rest))
    }
  }
  return {kind: 'list', items, line: start}
}

/** The value of a key or list item: inline on its line, or the indented block below it. */
function valueAfter(state: {lines: Line[]; at: number}, line: Line, indent: number, inline: string | undefined): YamlNode {
  const next = state.lines[state.at]
  if (inline !== undefined && inline !== '') return scalarOrFlow(inline, line.number)
  if (next !== undefined && (next.indent > indent || (next.indent === indent && isItem(next.text) && !isItem(line.text)))) {
    return parseBlock(state, next.indent)
  }
  return {kind: 'null', line: line.number}
}

function scalarOrFlow(text: string, line: number): YamlNode {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new YamlSyntaxError(line, `unterminated list ${JSON.stringify(text)}`)
    const inner = text.slice(1, -1).trim()
    const items = inner === '' ? [] : splitOutsideQuotes(inner, line).map((item) => scalarOrFlow(item, line))
    return {kind: 'list', items, line}
  }
  if (/^[{&*!|>%@`]/.test(text)) {
    throw new YamlSyntaxError(line, `${JSON.stringify(text)} uses YAML syntax cmaam does not read; put the value in quotes`)
  }
  return {kind: 'scalar', value: unquote(text, line), line}
}

/** A plain, 'single' or "double" quoted scalar, as text. */
function unquote(raw: string, line: number): string {
  const text = raw.trim()
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string
    } catch {
      throw new YamlSyntaxError(line, 'unterminated quoted value')
    }
  }
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) throw new YamlSyntaxError(line, 'unterminated quoted value')
    return text.slice(1, -1).replace(/''/g, "'")
  }
  return text
}

function splitOutsideQuotes(text: string, line: number): string[] {
  const parts: string[] = []
  let quote: string | null = null
  let from = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote) {
      if (c === '\\' && quote === '"') i++
      else if (c === quote) quote = null
    } else if (c === '"' || c === "'") {
      quote = c
    } else if (c === ',') {
      parts.push(text.slice(from, i).trim())
      from = i + 1
    }
  }
  parts.push(text.slice(from).trim())
  if (parts.some((part) => part === '')) throw new YamlSyntaxError(line, `empty item in ${JSON.stringify(`[${text}]`)}`)
  return parts
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ')
}

/** The line without a `#` comment: one at the start, or after a space outside quotes. */
function stripComment(line: string): string {
  let quote: string | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote) {
      if (c === '\\' && quote === '"') i++
      else if (c === quote) quote = null
    } else if (c === '"' || c === "'") {
      quote = c
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i).trimEnd()
    }
  }
  return line.trimEnd()
}
