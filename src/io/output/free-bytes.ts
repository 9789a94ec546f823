import {statfs} from 'node:fs/promises'
import {dirname} from 'node:path'

/**
 * Bytes an unprivileged process can still write on the file system that holds (or will hold)
 * `path`: asked of its deepest existing ancestor, since statfs needs an existing path. Null when
 * the file system does not say.
 */
export async function freeBytes(path: string): Promise<number | null> {
  try {
    const stats = await statfs(path)
    return stats.bavail * stats.bsize
  } catch (error) {
    const parent = dirname(path)
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && parent !== path ? freeBytes(parent) : null
  }
}
