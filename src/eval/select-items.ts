import {shardOfItem, type Shard} from './shard'
import type {EvalItem} from './types'

/** The items a run evaluates: the file's first `maxSamples` (as the reference does), then this shard's part of them. */
export function selectItems(items: EvalItem[], options: {maxSamples?: number; shard?: Shard}): EvalItem[] {
  const first = options.maxSamples === undefined ? items : items.slice(0, options.maxSamples)
  const shard = options.shard
  return shard ? first.filter((item) => shardOfItem(item.id, shard.count) === shard.index) : first
}
