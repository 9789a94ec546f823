import {readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {INDEX_FILE} from '../safetensors/names'
import {CmaamError} from '../../errors'
import {parseWeightIndex, type WeightIndex} from './parse-weight-index'

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
      {code: 'NOT_FOUND', hint: 'A sharded model needs its model.safetensors.index.json next to the shards.', cause: error},
    )
  }
  return parseWeightIndex(text, path)
}
