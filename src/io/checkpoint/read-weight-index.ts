import {readFile} from 'node:fs/promises'
import {isAbsolute, join, resolve} from 'node:path'
import {INDEX_FILE} from '../safetensors/names'
import {CmaamError} from '../../errors'
import {parseJson} from '../parse-json'

export interface WeightIndex {
  /** Shard file names (relative to the folder), sorted: the order in which they are read. */
  files: string[]
  /** Tensor name → shard file name. */
  weightMap: Map<string, string>
  /** The index's `metadata` object (usually `{total_size}`), or null when absent. */
  metadata: Record<string, unknown> | null
}

const INDEX_HINT = 'The index is damaged: download model.safetensors.index.json again.'

/** Reads and checks `model.safetensors.index.json` of a model folder; the shards themselves are not opened. */
export async function readWeightIndex(dir: string): Promise<WeightIndex> {
  const path = join(resolve(dir), INDEX_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CmaamError(
      code === 'ENOENT' ? `Weight index not found: ${path}` : `Cannot read weight index ${path}: ${(error as Error).message}`,
      {hint: 'A sharded model needs its model.safetensors.index.json next to the shards.', cause: error},
    )
  }
  const fail = (what: string): never => {
    throw new CmaamError(`Invalid weight index ${path}: ${what}`, {hint: INDEX_HINT})
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
    // The index may only name files inside the model folder.
    if (isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
      return fail(`weight_map entry "${name}" points outside the model folder (${file})`)
    }
    weightMap.set(name, file)
  }
  if (weightMap.size === 0) fail('"weight_map" is empty')

  return {files: [...new Set(weightMap.values())].sort(), weightMap, metadata: isObject(metadata) ? metadata : null}
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
