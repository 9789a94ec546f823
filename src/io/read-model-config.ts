import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {parseJson} from './parse-json'

/** The folder's `config.json` as an object, or null when the folder has none. */
export async function readModelConfig(dir: string): Promise<Record<string, unknown> | null> {
  const path = join(dir, 'config.json')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new CmaamError(`Cannot read ${path}: ${(error as Error).message}`, {cause: error})
  }
  let value: unknown
  try {
    value = parseJson(text)
  } catch (error) {
    throw new CmaamError(`${path} is not valid JSON: ${(error as Error).message}`, {
      hint: 'Fix or re-download config.json, or pass --model-type to skip detection.',
      cause: error,
    })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CmaamError(`${path} does not hold a JSON object`, {hint: 'Fix or re-download config.json.'})
  }
  return value as Record<string, unknown>
}
