import {CmaamError} from '../../errors'

/** errno codes of a write that failed because of the disk, not because of cmaam. */
const DISK_FAULTS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EIO: 'an input/output error of the disk',
  EROFS: 'the file system is read-only',
  EFBIG: 'the file is larger than the file system allows',
}

/**
 * The one-line error for a write that the disk refused, naming the file (or, when the failing call
 * did not say which, the folder being written); null for any other error. The caller has removed,
 * or is about to remove, what it wrote.
 */
export function writeFailure(error: unknown, folder: string): CmaamError | null {
  const {code, path, dest} = (error ?? {}) as {code?: unknown; path?: unknown; dest?: unknown}
  const reason = typeof code === 'string' ? DISK_FAULTS[code] : undefined
  if (reason === undefined) return null
  // A failed copy names its source as `path` and the file it was writing as `dest`.
  const where = typeof dest === 'string' ? dest : typeof path === 'string' ? path : `a file in ${folder}`
  return new CmaamError(`Cannot write ${where}: ${reason} (${code})`, {
    code: 'DISK_FULL',
    hint: code === 'EIO'
      ? 'The partial output was removed. Check the disk (dmesg, smartctl) and run the command again, or write the output to another disk.'
      : 'The partial output was removed. Free some space or write the output to another disk, and run the command again.',
    cause: error,
  })
}
