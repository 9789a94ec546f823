import {stat} from 'node:fs/promises'

/** Size of the file at `path` (following symlinks), or null when there is none. */
export function fileSize(path: string): Promise<number | null> {
  return stat(path).then(
    (stats) => stats.size,
    () => null,
  )
}
