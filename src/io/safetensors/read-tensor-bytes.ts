import {open} from 'node:fs/promises'

/** Reads one tensor's bytes (`byteLength` from `offset` of `path`) into `into`, or a new buffer. */
export async function readTensorBytes(path: string, offset: number, byteLength: number, into: Uint8Array = new Uint8Array(byteLength)): Promise<Uint8Array> {
  const file = await open(path, 'r')
  try {
    let done = 0
    while (done < byteLength) {
      const {bytesRead} = await file.read(into, done, byteLength - done, offset + done)
      if (bytesRead === 0) throw new Error(`${path}: unexpected end of file at byte ${offset + done}`)
      done += bytesRead
    }
    return into
  } finally {
    await file.close()
  }
}
