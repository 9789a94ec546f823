import {randomBytes} from 'node:crypto'
import {readFile, rm, stat, utimes, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {setTimeout as delay} from 'node:timers/promises'

/** The holder touches its lock this often, so that others can tell a live lock from a dead one. */
const HEARTBEAT_MS = 10_000
/** A lock not touched for this long belongs to a process that died or hangs. */
const STALE_MS = 120_000
const POLL_MS = 200

interface LockOwner {
  pid: number
  host: string
}

export interface WithBlobLockOptions {
  /** The lock file: `blobs/<etag>.lock`. */
  path: string
  signal?: AbortSignal
}

/**
 * Runs `work` while holding an exclusive lock file, so that two runs never write the same blob.
 * Waits while another live process holds it; takes over a lock whose owner died (same host, pid
 * gone) or stopped touching it (another host, or a hung process).
 */
export async function withBlobLock<T>(options: WithBlobLockOptions, work: () => Promise<T>): Promise<T> {
  const {path, signal} = options
  // The nonce tells apart two holders in one process, which share pid and host.
  const owner = JSON.stringify({pid: process.pid, host: hostname(), nonce: randomBytes(6).toString('hex')})
  for (;;) {
    try {
      await writeFile(path, owner, {flag: 'wx'})
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (!(await removeIfStale(path))) await delay(POLL_MS, undefined, {signal}).catch(() => signal?.throwIfAborted())
  }

  const heartbeat = setInterval(() => {
    const now = new Date()
    utimes(path, now, now).catch(() => undefined)
  }, HEARTBEAT_MS)
  heartbeat.unref()
  try {
    return await work()
  } finally {
    clearInterval(heartbeat)
    // Leave the lock alone if another process judged ours stale and took it over.
    if ((await readFile(path, 'utf8').catch(() => null)) === owner) await rm(path, {force: true})
  }
}

/** Removes the lock at `path` when its owner is gone; true when the caller should try again at once. */
async function removeIfStale(path: string): Promise<boolean> {
  let content: string
  let modified: number
  try {
    content = await readFile(path, 'utf8')
    modified = (await stat(path)).mtimeMs
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw error
  }
  const owner = parseOwner(content)
  const dead = owner !== null && owner.host === hostname() && !isAlive(owner.pid)
  if (!dead && Date.now() - modified < STALE_MS) return false
  // Another waiter may have replaced the stale lock with its own already: remove only what was judged.
  if ((await readFile(path, 'utf8').catch(() => null)) === content) await rm(path, {force: true})
  return true
}

function parseOwner(content: string): LockOwner | null {
  try {
    const owner = JSON.parse(content) as Partial<LockOwner>
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? {pid: owner.pid, host: owner.host} : null
  } catch {
    // Being written right now, or not ours: judged by its age alone.
    return null
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
