import {CmaamError} from '../errors'
import type {SafetensorsIndex} from './types'
import {parseJson} from '../io/parse-json'

/** Parses `model.safetensors.index.json`; `source` names it in messages. */
export function parseIndexJson(text: string, source: string): SafetensorsIndex {
  const fail = (what: string): never => {
    throw new CmaamError(`Invalid ${source}: ${what}`, {hint: 'The index must map tensor names to shard files under "weight_map".'})
  }
  let json: unknown
  try {
    json = parseJson(text)
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`)
  }
  if (!isObject(json)) return fail('not a JSON object')
  const {metadata = null, weight_map: weightMap} = json
  if (metadata !== null && !isObject(metadata)) fail('"metadata" is not an object')
  if (!isObject(weightMap)) return fail('"weight_map" is missing or not an object')
  for (const [name, file] of Object.entries(weightMap)) {
    if (typeof file !== 'string') fail(`"weight_map" maps "${name}" to ${JSON.stringify(file)}, not a file name`)
  }
  return {metadata: metadata as Record<string, unknown> | null, weightMap: weightMap as Record<string, string>}
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
