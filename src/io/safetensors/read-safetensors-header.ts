import {open} from 'node:fs/promises'
import type {FileHandle} from 'node:fs/promises'
import {resolve} from 'node:path'
import {CmaamError} from '../../errors'
import {parseSafetensorsHeader} from './parse-safetensors-header'
import type {SafetensorsHeader} from './types'

/** The reference implementation's limit; a larger value usually means the file is not safetensors at all. */
const MAX_HEADER_LENGTH = 100_000_000
const TRUNCATED_HINT =
  'The file is truncated or is not a safetensors file (a Git LFS pointer needs `git lfs pull`): download or convert it again.'

/** Reads and validates the header of a safetensors file with positional reads; the tensor data is not read. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const absolute = resolve(path)
  let handle: FileHandle
  try {
    handle = await open(absolute, 'r')
  } catch (error) {
    throw cannotRead(absolute, error)
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) {
      throw new CmaamError(`Not a safetensors file: ${absolute} is not a regular file`, {
        hint: 'Point cmaam at a model folder holding *.safetensors files.',
      })
    }
    const fileSize = stats.size
    const fail = (what: string): never => {
      throw new CmaamError(`Invalid safetensors file ${absolute}: ${what}`, {hint: TRUNCATED_HINT})
    }
    if (fileSize < 8) fail(`it is ${fileSize} bytes long, shorter than the 8-byte header length`)

    const headerLength = (await readExactly(handle, 8, 0)).readBigUInt64LE(0)
    if (headerLength > BigInt(MAX_HEADER_LENGTH)) {
      fail(`the header length ${headerLength} exceeds the ${MAX_HEADER_LENGTH.toLocaleString('en-US')}-byte limit`)
    }
    const length = Number(headerLength)
    if (8 + length > fileSize) {
      fail(`the header length ${length} reaches past the end of the file (${fileSize} bytes)`)
    }
    const json = await readExactly(handle, length, 8)
    return parseSafetensorsHeader(json, {path: absolute, fileSize, dataOffset: 8 + length})
  } catch (error) {
    throw error instanceof CmaamError ? error : cannotRead(absolute, error)
  } finally {
    await handle.close()
  }
}

async function readExactly(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  let filled = 0
  while (filled < length) {
    const {bytesRead} = await handle.read(buffer, filled, length - filled, position + filled)
    // The size was checked against fstat: a short read means the file shrank while we read it.
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + filled}`)
    filled += bytesRead
  }
  return buffer
}

function cannotRead(path: string, error: unknown): CmaamError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') {
    return new CmaamError(`Safetensors file not found: ${path}`, {code: 'NOT_FOUND', hint: 'Check the path, or download the model again.', cause: error})
  }
  return new CmaamError(`Cannot read safetensors file ${path}: ${(error as Error).message}`, {
    hint: 'Check that the file exists and is readable.',
    cause: error,
  })
}
