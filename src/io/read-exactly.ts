import {readSync} from 'node:fs'
import type {FileHandle} from 'node:fs/promises'

/** A file that ended before the bytes asked for: it is shorter than its header or index says, or shrank. */
export class EndOfFileError extends Error {
  constructor(
    readonly position: number,
    label?: string,
  ) {
    super(`${label ? `${label}: ` : ''}unexpected end of file at byte ${position}`)
    this.name = 'EndOfFileError'
  }
}

/** Fills `into` from `position` of an open file: a read may return fewer bytes than asked. */
export async function readExactly(handle: FileHandle, into: Uint8Array, position: number, label?: string): Promise<Uint8Array> {
  for (let done = 0; done < into.byteLength; ) {
    const {bytesRead} = await handle.read(into, done, into.byteLength - done, position + done)
    if (bytesRead === 0) throw new EndOfFileError(position + done, label)
    done += bytesRead
  }
  return into
}

/** `readExactly` on a descriptor, for the engine's synchronous workers. */
export function readExactlySync(fd: number, into: Uint8Array, position: number, label?: string): Uint8Array {
  for (let done = 0; done < into.byteLength; ) {
    const got = readSync(fd, into, done, into.byteLength - done, position + done)
    if (got === 0) throw new EndOfFileError(position + done, label)
    done += got
  }
  return into
}
