import {dtypeSize} from '../dtype'
import {encodeSafetensorsHeader} from './encode-safetensors-header'
import {SINGLE_FILE} from './names'
import {tensorByteLength} from './tensor-byte-length'
import type {OutputTensor, ShardLayout} from './types'

export interface PlanShardsOptions {
  /** A shard is closed when the next tensor would take it past this many data bytes. */
  maxShardBytes: number
  /** Written as `__metadata__` of every shard, on top of `{format: 'pt'}` (transformers refuses files without `format`). */
  metadata?: Record<string, string>
}

/**
 * Splits tensors into shards in the given order, like transformers' `save_pretrained`: a new shard
 * starts when the next tensor would exceed `maxShardBytes`, so a larger tensor sits alone. Within a
 * shard, data is laid out by dtype size, largest first: with the 8-byte padded header every tensor
 * then starts at a multiple of its element size.
 */
export function planShards(tensors: readonly OutputTensor[], options: PlanShardsOptions): ShardLayout {
  const {maxShardBytes} = options
  if (!Number.isSafeInteger(maxShardBytes) || maxShardBytes <= 0) {
    throw new RangeError(`maxShardBytes must be a positive integer, got ${maxShardBytes}`)
  }
  const metadata = {format: 'pt', ...options.metadata}

  const groups: Array<Array<OutputTensor & {byteLength: number}>> = [[]]
  let groupBytes = 0
  const seen = new Set<string>()
  for (const {name, dtype, shape} of tensors) {
    if (seen.has(name)) throw new Error(`Tensor "${name}" is listed twice`)
    seen.add(name)
    const byteLength = tensorByteLength(dtype, shape)
    if (groups[groups.length - 1].length > 0 && groupBytes + byteLength > maxShardBytes) {
      groups.push([])
      groupBytes = 0
    }
    groups[groups.length - 1].push({name, dtype, shape, byteLength})
    groupBytes += byteLength
  }

  const fileName = (index: number): string =>
    groups.length === 1
      ? SINGLE_FILE
      : `model-${String(index + 1).padStart(5, '0')}-of-${String(groups.length).padStart(5, '0')}.safetensors`

  const shards = groups.map((group, index) => {
    // Array.prototype.sort is stable, so equal sizes keep their given order.
    const ordered = [...group].sort((a, b) => dtypeSize(b.dtype) - dtypeSize(a.dtype))
    let begin = 0
    const placed = ordered.map((tensor) => {
      const entry = {...tensor, begin, end: begin + tensor.byteLength}
      begin = entry.end
      return entry
    })
    const header = encodeSafetensorsHeader(placed, metadata)
    return {
      fileName: fileName(index),
      header,
      size: header.length + begin,
      tensors: placed.map(({name, dtype, shape, begin: start, byteLength}) => ({
        name,
        dtype,
        shape,
        offset: header.length + start,
        byteLength,
      })),
    }
  })

  if (shards.length === 1) return {shards, index: null}
  const weightMap: Record<string, string> = {}
  let totalSize = 0
  const byName = shards.flatMap((shard) => shard.tensors.map((tensor) => ({...tensor, fileName: shard.fileName})))
  // transformers writes the index with sorted keys.
  for (const tensor of byName.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    weightMap[tensor.name] = tensor.fileName
    totalSize += tensor.byteLength
  }
  return {shards, index: {metadata: {total_size: totalSize}, weight_map: weightMap}}
}
