import {existsSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import {readWeightIndex} from '../io/checkpoint/read-weight-index'
import {INDEX_FILE} from '../io/safetensors/names'
import type {DType} from '../io/dtype'
import {readModelConfig} from '../io/read-model-config'
import type {ModelTypeAdapter} from '../models/types'
import {classifyTensors, type InspectReport} from './classify-tensors'

export type {InspectedTensor, InspectReport} from './classify-tensors'

/**
 * Every tensor's component, layer, dtype and shape. Reads only headers; when the shards are
 * absent but `model.safetensors.index.json` is there, names come from the index alone.
 */
export async function inspectModel(options: {dir: string; modelType: string; adapter?: ModelTypeAdapter}): Promise<InspectReport> {
  const dir = resolve(options.dir)
  const indexOnly = existsSync(join(dir, INDEX_FILE)) && (await readWeightIndex(dir)).files.some((f) => !existsSync(join(dir, f)))
  const entries: Array<{name: string; dtype: DType | null; shape: number[] | null}> = indexOnly
    ? [...(await readWeightIndex(dir)).weightMap.keys()].map((name) => ({name, dtype: null, shape: null}))
    : [...(await openCheckpoint(dir)).tensors.values()].map(({name, dtype, shape}) => ({name, dtype, shape}))
  if (entries.length === 0) throw new CmaamError(`No tensors in ${dir}`, {code: 'NOT_FOUND', hint: 'Check that the folder holds a model.'})
  const config = options.modelType === 'auto' && options.adapter === undefined ? await readModelConfig(dir) : null
  return classifyTensors({entries, config, modelType: options.modelType, adapter: options.adapter, from: indexOnly ? 'index' : 'headers'})
}
