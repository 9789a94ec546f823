import {createHash, type Hash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import type {RepoFile} from './types'

/** The digest a blob is named by: sha256 for an LFS file, the git blob sha1 (`blob <size>\0` + bytes) otherwise. */
export function newBlobHash(file: RepoFile): Hash {
  return file.lfs ? createHash('sha256') : createHash('sha1').update(`blob ${file.size}\0`)
}

/** Whether the file at `path` holds exactly the bytes of `file` (its digest is the etag). */
export async function hasBlobDigest(path: string, file: RepoFile): Promise<boolean> {
  const hash = newBlobHash(file)
  let size = 0
  try {
    for await (const chunk of createReadStream(path)) {
      size += (chunk as Buffer).length
      hash.update(chunk as Buffer)
    }
  } catch {
    return false
  }
  return size === file.size && hash.digest('hex') === file.etag
}
