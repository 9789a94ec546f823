import {open, type FileHandle} from 'node:fs/promises'
import {resolve} from 'node:path'
import {CmaamError} from '../../errors'
import {readExactly} from '../read-exactly'
import {headerLengthProblem} from './header-length-problem'
import {parseSafetensorsHeader} from './parse-safetensors-header'
import type {SafetensorsHeader} from './types'

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
    const tooShort = headerLengthProblem(fileSize, null)
    if (tooShort) fail(tooShort)

    const headerLength = Buffer.from((await readExactly(handle, new Uint8Array(8), 0)).buffer).readBigUInt64LE(0)
    const problem = headerLengthProblem(fileSize, headerLength)
    if (problem) fail(problem)
    const length = Number(headerLength)
    // The size was checked against fstat: a short read means the file shrank while we read it.
    const json = Buffer.from((await readExactly(handle, new Uint8Array(length), 8)).buffer)
    return parseSafetensorsHeader(json, {path: absolute, fileSize, dataOffset: 8 + length})
  } catch (error) {
    throw error instanceof CmaamError ? error : cannotRead(absolute, error)
  } finally {
    await handle.close()
  }
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
