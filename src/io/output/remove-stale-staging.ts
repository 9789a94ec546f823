import {lstat, readFile, readdir, rename, rm} from 'node:fs/promises'
import {hostname} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {folderSize} from './folder-size'
import {STAGING_OWNER_FILE, ownerIsGone, type StagingOwner} from './staging-owner'

export interface RemovedStaging {
  /** Folders removed. */
  paths: string[]
  /** Bytes they held. */
  bytes: number
  /** A previous output that a killed run had moved aside and that was moved back into place. */
  restored: string | null
}

/**
 * Removes the staging folders (and replaced outputs) that an earlier run writing to `output` left
 * behind when it was killed: those whose process is gone. A live run's folder is left alone. A run
 * killed between the two renames of its commit left the previous output aside and none in place:
 * that one is moved back instead.
 */
export async function removeStaleStaging(output: string): Promise<RemovedStaging> {
  const parent = dirname(output)
  const prefix = `.${basename(output)}.cmaam-`
  const names = await readdir(parent).catch(() => [] as string[])
  const removed: RemovedStaging = {paths: [], bytes: 0, restored: null}
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(partial|old)-(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length)) : null
    if (!match) continue
    const path = join(parent, name)
    // A folder without an owner file (cmaam 0.1.0 wrote none) is judged by the pid in its name.
    if (!ownerIsGone((await readOwner(path)) ?? {pid: Number(match[2]), host: hostname()})) continue
    if (match[1] === 'old' && removed.restored === null && !(await lstat(output).catch(() => null))) {
      await rename(path, output)
      removed.restored = output
      continue
    }
    const bytes = await folderSize(path)
    await rm(path, {recursive: true, force: true})
    removed.paths.push(path)
    removed.bytes += bytes
  }
  return removed
}

async function readOwner(dir: string): Promise<StagingOwner | null> {
  try {
    const owner = JSON.parse(await readFile(join(dir, STAGING_OWNER_FILE), 'utf8')) as StagingOwner
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : null
  } catch {
    return null
  }
}
