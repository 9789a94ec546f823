import {readFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {resolveInside} from '../../io/paths/resolve-inside'
import {CmaamError} from '../../errors'
import {parseYaml, YamlSyntaxError, type YamlNode} from '../../io/parse-yaml'

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
  'rescale',
  'alpha-from',
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
  'device',
  'onnx-template',
  'onnx-dtype',
])
const BOOLEAN_KEYS = new Set(['analyze', 'save-alphas', 'allow-nonfinite', 'allow-family-mismatch', 'normalize'])
/** Keys that may hold a map of component → value (`default:` for the other components). */
const MAP_KEYS = new Set(['component-alpha', 'method', 'alpha', 'lambda', 'density', 'gamma', 't'])
/** Keys that may hold a list: each `source` is a flag of its own; `weights` become one comma-separated flag. */
const LIST_KEYS = new Set(['source', 'weights'])

/**
 * Flag name → value: a string for value flags, a list for a repeated flag, a boolean for switches.
 * `adapter` is resolved against the config file's folder, where the merge wrote it.
 */
export type MergeConfig = Record<string, string | string[] | boolean>

/**
 * Reads a `cmaam_config.yaml` (YAML as cmaam writes it: `key: value` lines, per-component maps for
 * `method`, `component-alpha` and the method parameters, and lists for `source` and `weights`). Keys are `cmaam merge` flag names, with
 * `-` or `_`. Anything else is refused with the line at fault, a token above all: secrets do not
 * belong in a file meant to be published next to a model.
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
    if (!VALUE_KEYS.has(key) && !BOOLEAN_KEYS.has(key)) throw fail(line, `unknown key ${JSON.stringify(name)}`)
    if (value.kind === 'map' && MAP_KEYS.has(key)) {
      const parts: string[] = []
      for (const entry of value.entries) {
        if (entry.value.kind !== 'scalar') throw fail(entry.line, `expected "  component: ${key === 'component-alpha' ? 'alpha' : 'value'}" under ${key}`)
        parts.push(entry.key === 'default' ? entry.value.value : `${entry.key}=${entry.value.value}`)
      }
      if (parts.length > 0) config[key] = parts.join(',')
      continue
    }
    if (value.kind === 'list' && LIST_KEYS.has(key)) {
      const items = value.items.map((item) => {
        if (item.kind !== 'scalar') throw fail(item.line, `expected one value per "- " item under ${key}`)
        return item.value
      })
      config[key] = key === 'source' ? items : items.join(',')
      continue
    }
    if (value.kind === 'null') throw fail(line, `${key} has no value`)
    if (value.kind !== 'scalar') throw fail(line, `${key} must be a single value`)
    if (BOOLEAN_KEYS.has(key)) {
      if (value.value !== 'true' && value.value !== 'false') throw fail(line, `${key} must be true or false, got ${JSON.stringify(value.value)}`)
      config[key] = value.value === 'true'
    } else {
      // The merge copied its adapter file next to the config: a replayed config reads nothing outside its folder.
      config[key] = key === 'adapter' ? resolveInside({folder: dirname(resolve(path)), entry: value.value, kind: 'file', file: `${path} line ${line}`, what: 'adapter'}) : value.value
    }
  }
  return config
}
