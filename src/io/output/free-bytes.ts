import {statfs} from 'node:fs/promises'

/** Bytes an unprivileged process can still write on the file system holding `dir`; null when unknown. */
export async function freeBytes(dir: string): Promise<number | null> {
  try {
    const stats = await statfs(dir)
    return stats.bavail * stats.bsize
  } catch {
    return null
  }
}
