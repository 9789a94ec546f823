import {readFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {parseYaml, YamlSyntaxError, type YamlNode} from '../io/parse-yaml'

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
  'adapter',
  'compat',
  'seed',
  'dtype',
  'shard-size',
  'threads',
])
const BOOLEAN_KEYS = new Set(['analyze', 'save-alphas', 'allow-nonfinite'])

/**
 * Flag name → value: a string for value flags, a boolean for switches. `adapter` is resolved
 * against the config file's folder, where the merge wrote it.
 */
export type MergeConfig = Record<string, string | boolean>

/**
 * Reads a `cmaam_config.yaml` (the YAML that cmaam writes: `key: value` lines, `#` comments, quoted
 * or plain scalars, and `component-alpha` as a map of component → α; see parseYaml). Keys are `cmaam merge` flag
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
  const fail = (line: number, what: string): CmaamError =>
    new CmaamError(`${path} line ${line}: ${what}`, {hint: 'Keys are `cmaam merge` flag names (see `cmaam merge --help`), one `key: value` per line.'})
  let root: YamlNode
  try {
    root = parseYaml(text)
  } catch (error) {
    if (error instanceof YamlSyntaxError) throw fail(error.line, error.problem)
    throw error
  }
  if (root.kind === 'null') return {}
  if (root.kind !== 'map') throw fail(root.line, 'expected "key: value" lines')

  const config: MergeConfig = {}
  for (const {key: name, line, value} of root.entries) {
    const key = name.replace(/_/g, '-')
    if (key === 'token') throw fail(line, 'a config file must not hold a token; set HF_TOKEN or pass --token instead')
    if (key in config) throw fail(line, `${key} is set twice`)
    if (key === 'component-alpha' && value.kind === 'map') {
      const parts: string[] = []
      for (const entry of value.entries) {
        if (entry.value.kind !== 'scalar') throw fail(entry.line, `expected "  component: alpha" under component-alpha`)
        parts.push(`${entry.key}=${entry.value.value}`)
      }
      if (parts.length > 0) config[key] = parts.join(',')
      continue
    }
    if (value.kind === 'null') throw fail(line, `${key} has no value`)
    if (value.kind !== 'scalar') throw fail(line, `${key} must be a single value`)
    if (BOOLEAN_KEYS.has(key)) {
      if (value.value !== 'true' && value.value !== 'false') throw fail(line, `${key} must be true or false, got ${JSON.stringify(value.value)}`)
      config[key] = value.value === 'true'
    } else if (key === 'adapter') {
      config[key] = resolve(dirname(path), value.value)
    } else if (VALUE_KEYS.has(key)) {
      config[key] = value.value
    } else {
      throw fail(line, `unknown key ${JSON.stringify(name)}`)
    }
  }
  return config
}
