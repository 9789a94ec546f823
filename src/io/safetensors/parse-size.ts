import {CmaamError} from '../../errors'

const UNITS = new Map([
  ['b', 1],
  ['kb', 1e3],
  ['mb', 1e6],
  ['gb', 1e9],
  ['tb', 1e12],
  ['kib', 2 ** 10],
  ['mib', 2 ** 20],
  ['gib', 2 ** 30],
  ['tib', 2 ** 40],
])

/** Parses `--shard-size`: `5GB` (powers of 10, as transformers reads it), `2GiB` (powers of 2), or plain bytes. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text)
  const unit = match ? UNITS.get((match[2] || 'b').toLowerCase()) : undefined
  const bytes = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : Number.NaN
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new CmaamError(`Invalid --shard-size ${JSON.stringify(text)}: expected a positive size`, {
      hint: 'Use a size like 5GB, 500MB, 2GiB, 512MiB, 100KB or a number of bytes.',
    })
  }
  return bytes
}
