import {closeSync, fsyncSync, openSync, writeSync} from 'node:fs'
import {readExactlySync} from '../io/read-exactly'

/**
 * Positional reads and writes with one open descriptor per file and thread: the engine never
 * holds a file in memory, and workers write their tensors straight to their offsets.
 */
export class FileAccess {
  private readonly readers = new Map<string, number>()
  private readonly writers = new Map<string, number>()

  readAt(path: string, position: number, into: Uint8Array): void {
    const fd = this.descriptor(this.readers, path, 'r')
    readExactlySync(fd, into, position, path)
  }

  writeAt(path: string, position: number, bytes: Uint8Array): void {
    const fd = this.descriptor(this.writers, path, 'r+')
    let done = 0
    try {
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done, position + done)
    } catch (error) {
      // A failed write(2) does not say which file: callers report the disk error by its path.
      throw Object.assign(error as Error, {path})
    }
  }

  /** Flushes written files to disk and closes every descriptor. */
  close(options: {sync: boolean}): void {
    for (const [path, fd] of this.writers) {
      try {
        if (options.sync) fsyncSync(fd)
      } catch (error) {
        throw Object.assign(error as Error, {path})
      } finally {
        closeSync(fd)
      }
    }
    for (const fd of this.readers.values()) closeSync(fd)
    this.writers.clear()
    this.readers.clear()
  }

  private descriptor(cache: Map<string, number>, path: string, flags: string): number {
    let fd = cache.get(path)
    if (fd === undefined) {
      fd = openSync(path, flags)
      cache.set(path, fd)
    }
    return fd
  }
}
