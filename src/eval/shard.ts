import {createHash} from 'node:crypto'
import {CmaamError} from '../errors'

/** `--shard I/N`: the I-th of N disjoint parts (0 ≤ I < N). */
export interface Shard {
  index: number
  count: number
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = match ? Number(match[1]) : NaN
  const count = match ? Number(match[2]) : NaN
  if (!match || count < 1 || index >= count) {
    throw new CmaamError(`--shard ${text} is not I/N with 0 ≤ I < N`, {hint: 'E.g. --shard 0/4 … --shard 3/4 split the items into four parts (a Slurm array task or Kubernetes job index gives I).'})
  }
  return {index, count}
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`
}

/** Which shard an item belongs to: from a hash of its id alone, so neither file order nor --max-samples moves it. */
export function shardOfItem(id: string, count: number): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % count
}
