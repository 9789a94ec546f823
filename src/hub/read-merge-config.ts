import {readFile} from 'node:fs/promises'
import {CmaamError} from '../errors'

/** `cmaam merge` flags a config file may set: everything that decides the merged weights and reports. */
const VALUE_KEYS = new Set([
  'source',
  'target',
  'output',
  'method',
  'alpha',
  'lambda',
  'density',
  'gamma',
  't',
  'weights',
  'alpha-from',
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
])
const BOOLEAN_KEYS = new Set(['analyze', 'save-alphas', 'allow-nonfinite', 'normalize'])
/** Keys that may hold a map of component → value (`default:` for the other components). */
const MAP_KEYS = new Set(['component-alpha', 'method', 'alpha', 'lambda', 'density', 'gamma', 't'])
/** Keys that may hold a list: each `source` is a flag of its own; `weights` become one comma-separated flag. */
const LIST_KEYS = new Set(['source', 'weights'])

/** Flag name → value: a string for value flags, a list for a repeated flag, a boolean for switches. */
export type MergeConfig = Record<string, string | string[] | boolean>

/**
 * Reads a `cmaam_config.yaml` (the YAML that cmaam writes: `key: value` lines, `#` comments, quoted
 * or plain scalars, per-component maps for `method`, `component-alpha` and the method parameters,
 * and `- item` lists for `source` and `weights`). Keys are `cmaam merge` flag
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

    if (raw === '' && LIST_KEYS.has(key) && /^\s*-\s/.test(stripComment(lines[i + 1] ?? ''))) {
      const items: string[] = []
      while (i + 1 < lines.length && /^\s*-\s/.test(stripComment(lines[i + 1]))) {
        i++
        items.push(scalar(stripComment(lines[i]).replace(/^\s*-\s/, ''), () => fail(i + 1, 'unterminated quoted value')))
      }
      config[key] = key === 'source' ? items : items.join(',')
      continue
    }
    if (raw === '' && MAP_KEYS.has(key)) {
      // A nested map: the indented `component: value` lines that follow.
      const parts: string[] = []
      while (i + 1 < lines.length && /^\s+\S/.test(stripComment(lines[i + 1]))) {
        i++
        const entry = /^\s+([A-Za-z]\w*)\s*:\s+(.+)$/.exec(stripComment(lines[i]))
        if (!entry) throw fail(i + 1, `expected "  component: ${key === 'component-alpha' ? 'alpha' : 'value'}" under ${key}, got ${JSON.stringify(lines[i].trim())}`)
        const value = scalar(entry[2], () => fail(i + 1, 'unterminated quoted value'))
        parts.push(entry[1] === 'default' ? value : `${entry[1]}=${value}`)
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
