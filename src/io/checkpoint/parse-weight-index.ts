import {CmaamError} from '../../errors'
import {isObject} from '../is-object'
import {parseJson} from '../parse-json'
import {checkEntry} from '../paths/check-entry'

export interface WeightIndex {
  /** Shard file names (relative to the folder), sorted: the order in which they are read. */
  files: string[]
  /** Tensor name → shard file name. */
  weightMap: Map<string, string>
  /** The index's `metadata` object (usually `{total_size}`), or null when absent. */
  metadata: Record<string, unknown> | null
}

const INDEX_HINT = 'The index is damaged: download model.safetensors.index.json again.'

/**
 * Parses and checks `model.safetensors.index.json`, of a local folder or a Hub repo alike; `source`
 * names it in messages. Shard names are paths from outside: each must stay inside the model folder
 * (UNSAFE_INPUT otherwise).
 */
export function parseWeightIndex(text: string, source: string): WeightIndex {
  const fail = (what: string): never => {
    throw new CmaamError(`Invalid weight index ${source}: ${what}`, {hint: INDEX_HINT})
  }
  let parsed: unknown
  try {
    parsed = parseJson(text)
  } catch (error) {
    fail(`not valid JSON (${(error as Error).message})`)
  }
  if (!isObject(parsed)) return fail('the JSON is not an object')
  const {weight_map: rawMap, metadata} = parsed
  if (!isObject(rawMap)) return fail('it has no "weight_map" object')
  if (metadata !== undefined && metadata !== null && !isObject(metadata)) fail('"metadata" is not an object')

  const weightMap = new Map<string, string>()
  for (const [name, file] of Object.entries(rawMap)) {
    if (typeof file !== 'string' || file === '') return fail(`weight_map entry "${name}" is not a file name`)
    checkEntry(file, {file: source, what: `weight_map entry "${name}"`})
    weightMap.set(name, file)
  }
  if (weightMap.size === 0) fail('"weight_map" is empty')

  return {files: [...new Set(weightMap.values())].sort(), weightMap, metadata: isObject(metadata) ? metadata : null}
}
