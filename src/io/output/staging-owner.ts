import {hostname} from 'node:os'

/** File inside a staging folder naming the process that writes it; removed just before the commit. */
export const STAGING_OWNER_FILE = '.cmaam-owner.json'

export interface StagingOwner {
  pid: number
  host: string
  started: string
}

export function currentOwner(): StagingOwner {
  return {pid: process.pid, host: hostname(), started: new Date().toISOString()}
}

/**
 * Whether the process that wrote a staging folder is gone. Only a process on this host can be
 * checked; one on another host (a shared file system) is assumed alive. A folder from before
 * owner files were written is judged by the pid in its name.
 */
export function ownerIsGone(owner: Pick<StagingOwner, 'pid' | 'host'>): boolean {
  if (owner.host !== hostname()) return false
  if (owner.pid === process.pid) return false
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
