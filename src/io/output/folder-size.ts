import {lstat, readdir} from 'node:fs/promises'
import {join} from 'node:path'

/** Bytes held by the files under `path` (links not followed); 0 when it does not exist. */
export async function folderSize(path: string): Promise<number> {
  const stats = await lstat(path).catch(() => null)
  if (!stats) return 0
  if (!stats.isDirectory()) return stats.blocks * 512
  let total = 0
  for (const name of await readdir(path)) total += await folderSize(join(path, name))
  return total
}
