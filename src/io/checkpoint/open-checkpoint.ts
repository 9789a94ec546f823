import {readdir, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {CmaamError} from '../../errors'
import {isPickleWeights} from '../is-pickle-weights'
import {INDEX_FILE} from '../safetensors/names'
import {readSafetensorsHeader} from '../safetensors/read-safetensors-header'
import type {Checkpoint} from '../safetensors/types'
import {readWeightIndex} from './read-weight-index'
import {resolveInside} from '../paths/resolve-inside'

/**
 * Opens a model folder's weights: the shards named by `model.safetensors.index.json` when it exists,
 * otherwise every `*.safetensors` file in the folder. Only headers are read.
 */
export async function openCheckpoint(dir: string): Promise<Checkpoint> {
  const absolute = resolve(dir)
  const notFound = (detail: string, cause?: unknown): CmaamError =>
    new CmaamError(`Model folder not found: ${absolute}${detail}`, {
      code: 'NOT_FOUND',
      hint: 'Check the path, or download the model first.',
      cause,
    })
  try {
    if (!(await stat(absolute)).isDirectory()) throw notFound(' is not a folder')
  } catch (error) {
    throw error instanceof CmaamError ? error : notFound('', error)
  }
  let names: string[]
  try {
    names = (await readdir(absolute)).sort()
  } catch (error) {
    throw new CmaamError(`Cannot read model folder ${absolute}: ${(error as Error).message}`, {
      hint: 'Check the folder permissions.',
      cause: error,
    })
  }
  return names.includes(INDEX_FILE) ? openIndexed(absolute) : openUnindexed(absolute, names)
}

async function openIndexed(dir: string): Promise<Checkpoint> {
  const indexPath = join(dir, INDEX_FILE)
  const {files, weightMap, metadata} = await readWeightIndex(dir)
  const inconsistent = (what: string): CmaamError =>
    new CmaamError(`Inconsistent weight index ${indexPath}: ${what}`, {
      hint: 'The index and the shards come from different downloads: download the model again.',
    })

  for (const file of files) {
    const path = resolveInside({folder: dir, entry: file, kind: 'file', file: indexPath, what: 'shard'})
    const exists = await stat(path).then(
      (stats) => stats.isFile(),
      () => false,
    )
    if (!exists) {
      throw new CmaamError(`Missing shard ${path}, listed in ${indexPath}`, {
        code: 'NOT_FOUND',
        hint: 'The download is incomplete: download the missing shard (or the whole model) again.',
      })
    }
  }

  const tensors: Checkpoint['tensors'] = new Map()
  for (const file of files) {
    const header = await readSafetensorsHeader(join(dir, file))
    for (const tensor of header.tensors) {
      const home = weightMap.get(tensor.name)
      if (home === undefined) throw inconsistent(`tensor "${tensor.name}" in ${file} is not in its weight_map`)
      if (home !== file) throw inconsistent(`tensor "${tensor.name}" is in ${file}, but the weight_map places it in ${home}`)
      tensors.set(tensor.name, {...tensor, path: header.path})
    }
  }
  for (const [name, file] of weightMap) {
    if (!tensors.has(name)) throw inconsistent(`the weight_map places tensor "${name}" in ${file}, which does not contain it`)
  }
  return {dir, files, tensors, indexMetadata: metadata}
}

async function openUnindexed(dir: string, names: string[]): Promise<Checkpoint> {
  const files = names.filter((name) => name.endsWith('.safetensors'))
  if (files.length === 0) {
    const pickles = names.filter(isPickleWeights)
    if (pickles.length > 0) {
      throw new CmaamError(
        `${dir} holds PyTorch pickle weights (${pickles.join(', ')}); cmaam does not load pickle checkpoints because unpickling runs arbitrary code`,
        {
          hint:
            'Convert the model to safetensors first, e.g. `python -c "from transformers import AutoModelForImageTextToText as M; ' +
            `M.from_pretrained('${dir}').save_pretrained('${dir}-safetensors', safe_serialization=True)"\`` +
            ', or with the Hugging Face "Convert to Safetensors" Space.',
        },
      )
    }
    throw new CmaamError(`No safetensors weights in ${dir}`, {
      hint: 'A model folder needs model.safetensors, or shards with model.safetensors.index.json.',
    })
  }

  const tensors: Checkpoint['tensors'] = new Map()
  for (const file of files) {
    const path = resolveInside({folder: dir, entry: file, kind: 'file', file: dir, what: 'weights file'})
    const header = await readSafetensorsHeader(path)
    for (const tensor of header.tensors) {
      const other = tensors.get(tensor.name)
      if (other !== undefined) {
        throw new CmaamError(`Tensor "${tensor.name}" is in both ${other.path} and ${header.path}`, {
          hint: 'The folder holds two copies of the weights: keep one set of files, or add the model.safetensors.index.json that lists the shards.',
        })
      }
      tensors.set(tensor.name, {...tensor, path: header.path})
    }
  }
  return {dir, files, tensors, indexMetadata: null}
}
