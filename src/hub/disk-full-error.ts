import {CmaamError} from '../errors'
import {formatBytes} from '../progress/format-bytes'

export interface DiskFullErrorOptions {
  /** The folder written to. */
  dir: string
  /** Bytes the operation still had to write. */
  neededBytes: number
  /** Bytes free when it stopped, when known. */
  freeBytes?: number
}

/** The disk filled up (ENOSPC), or would have: partial files are already removed when this is thrown. */
export function diskFullError(options: DiskFullErrorOptions): CmaamError {
  const free = options.freeBytes === undefined ? '' : `, ${formatBytes(options.freeBytes)} free`
  return new CmaamError(`Not enough disk space in ${options.dir}: the download needs ${formatBytes(options.neededBytes)} more${free}`, {
    code: 'DISK_FULL',
    hint: 'Free some space, or point HF_HUB_CACHE (or HF_HOME) at a disk with room, and run the command again.',
  })
}
