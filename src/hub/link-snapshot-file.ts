import {copyFile, mkdir, readlink, rename, rm, symlink} from 'node:fs/promises'
import {randomBytes} from 'node:crypto'
import {dirname, relative} from 'node:path'

export interface LinkSnapshotFileOptions {
  blobPath: string
  /** `snapshots/<sha>/<path>` */
  pointerPath: string
}

/**
 * Points a snapshot file at its blob with a relative symlink, as huggingface_hub does, so the cache
 * can be moved. Replaces whatever was there atomically; copies the blob where symlinks are not
 * allowed (Windows without developer mode).
 */
export async function linkSnapshotFile(options: LinkSnapshotFileOptions): Promise<void> {
  const {blobPath, pointerPath} = options
  const target = relative(dirname(pointerPath), blobPath)
  if ((await readlink(pointerPath).catch(() => null)) === target) return

  await mkdir(dirname(pointerPath), {recursive: true})
  const temporary = `${pointerPath}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await symlink(target, temporary)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error
    await copyFile(blobPath, temporary)
  }
  try {
    await rename(temporary, pointerPath)
  } catch (error) {
    await rm(temporary, {force: true})
    throw error
  }
}
