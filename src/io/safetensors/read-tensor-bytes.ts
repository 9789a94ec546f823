import {open} from 'node:fs/promises'
import {readExactly} from '../read-exactly'

/** Reads one tensor's bytes (`byteLength` from `offset` of `path`) into `into`, or a new buffer. */
export async function readTensorBytes(path: string, offset: number, byteLength: number, into: Uint8Array = new Uint8Array(byteLength)): Promise<Uint8Array> {
  const file = await open(path, 'r')
  try {
    return await readExactly(file, into.subarray(0, byteLength), offset, path)
  } finally {
    await file.close()
  }
}
