import {readFile} from 'node:fs/promises'
import {CmaamError} from '../errors'

/** `cmaam merge` flags a config file may set: everything that decides the merged weights and reports. */
const VALUE_KEYS = new Set([
  'source',
  'target',
  'output',
  'method',
  'alpha',
  'strategy',
  'base-alpha',
  'min-alpha',
  'max-alpha',
  'component-alpha',
  'model-type',
  'compat',
  'seed',
  'dtype',
  'shard-size',
  'threads',
  'onnx-template',
  'onnx-dtype',
])
const BOOLEAN_KEYS = new Set(['analyze', 'save-alphas', 'allow-nonfinite'])

/** Flag name → value: a string for value flags, a boolean for switches. */
export type MergeConfig = Record<string, string | boolean>

/**
 * Reads a `cmaam_config.yaml` (the YAML that cmaam writes: `key: value` lines, `#` comments, quoted
 * or plain scalars, and `component-alpha` as a map of component → α). Keys are `cmaam merge` flag
 * names, with `-` or `_`. Anything else is refused with the line at fault, a token above all:
 * secrets do not belong in a file meant to be published next to a model.
 */
export async function readMergeConfig(path: string): Promise<MergeConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new CmaamError(`Cannot read the config file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      hint: 'Pass the cmaam_config.yaml written next to a merged model, or a file with the same keys.',
    })
  }
  const config: MergeConfig = {}
  const fail = (line: number, what: string): CmaamError =>
    new CmaamError(`${path} line ${line}: ${what}`, {hint: 'Keys are `cmaam merge` flag names (see `cmaam merge --help`), one `key: value` per line.'})

  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i])
    if (line.trim() === '' || line.trim() === '---') continue
    if (/^\s/.test(line)) throw fail(i + 1, `unexpected indentation in ${JSON.stringify(line.trim())}`)
    const match = /^([A-Za-z][\w-]*)\s*:(?:\s+(.*))?$/.exec(line)
    if (!match) throw fail(i + 1, `expected "key: value", got ${JSON.stringify(line.trim())}`)
    const key = match[1].replace(/_/g, '-')
    const raw = (match[2] ?? '').trim()
    if (key === 'token') throw fail(i + 1, 'a config file must not hold a token; set HF_TOKEN or pass --token instead')
    if (key in config) throw fail(i + 1, `${key} is set twice`)

    if (key === 'component-alpha' && raw === '') {
      // A nested map: the indented `component: alpha` lines that follow.
      const parts: string[] = []
      while (i + 1 < lines.length && /^\s+\S/.test(stripComment(lines[i + 1]))) {
        i++
        const entry = /^\s+([A-Za-z]\w*)\s*:\s+(.+)$/.exec(stripComment(lines[i]))
        if (!entry) throw fail(i + 1, `expected "  component: alpha" under component-alpha, got ${JSON.stringify(lines[i].trim())}`)
        parts.push(`${entry[1]}=${scalar(entry[2], () => fail(i + 1, 'unterminated quoted value'))}`)
      }
      if (parts.length > 0) config[key] = parts.join(',')
      continue
    }
    if (raw === '') throw fail(i + 1, `${key} has no value`)
    const value = scalar(raw, () => fail(i + 1, 'unterminated quoted value'))
    if (BOOLEAN_KEYS.has(key)) {
      if (value !== 'true' && value !== 'false') throw fail(i + 1, `${key} must be true or false, got ${JSON.stringify(value)}`)
      config[key] = value === 'true'
    } else if (VALUE_KEYS.has(key)) {
      config[key] = value
    } else {
      throw fail(i + 1, `unknown key ${JSON.stringify(match[1])}`)
    }
  }
  return config
}

/** A plain, 'single' or "double" quoted YAML scalar, as text. */
function scalar(raw: string, unterminated: () => Error): string {
  const text = raw.trim()
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string
    } catch {
      throw unterminated()
    }
  }
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) throw unterminated()
    return text.slice(1, -1).replace(/''/g, "'")
  }
  return text
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
