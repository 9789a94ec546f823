import {existsSync, mkdirSync, realpathSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {checkEntry} from './check-entry'
import {isCacheBlob} from './is-cache-blob'
import {isInside} from './is-inside'
import {linkBoundary} from './link-boundary'
import {unsafeInputError} from './unsafe-input-error'

export interface ResolveInsideOptions {
  /** The folder the entry belongs to. */
  folder: string
  /** A relative path from outside: a template location, a listed path, an index's shard name. */
  entry: string
  /**
   * `file` or `folder`: something to read, which must be of that kind once links are followed
   * (a missing one is the caller's to report when it opens it); `any`: either; `new`: a file about
   * to be created, whose parent folders are made.
   */
  kind: 'file' | 'folder' | 'any' | 'new'
  /** Names the entry's origin in errors (the template, index or config file). */
  file: string
  what: string
}

/**
 * The path of `entry` inside `folder`, or one UNSAFE_INPUT error naming the file, the entry and
 * why: the entry must be a plain relative path (checkEntry), and following symlinks must not lead
 * out of the folder (of the repo's cache folder, for a Hugging Face snapshot, see linkBoundary),
 * except to a blob of a Hugging Face cache (isCacheBlob).
 */
export function resolveInside(options: ResolveInsideOptions): string {
  const segments = checkEntry(options.entry, options)
  const folder = resolve(options.folder)
  const path = join(folder, ...segments)
  const fail = (why: string): never => {
    throw unsafeInputError({file: options.file, entry: options.entry, what: options.what, why})
  }
  const boundary = realOrSelf(linkBoundary(folder))
  if (options.kind === 'new') {
    // Check the folders that exist before making the rest: a link among them must not lead out.
    let existing = dirname(path)
    while (!existsSync(existing) && existing !== folder) existing = dirname(existing)
    if (!isInside(boundary, realOrSelf(existing))) fail('its folder is a link that leads out of the folder')
    mkdirSync(dirname(path), {recursive: true})
    return path
  }
  let real: string
  try {
    real = realpathSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') return fail('it is a symlink loop')
    if (code === 'ENOENT' || code === 'ENOTDIR') return path
    throw error
  }
  if (!isInside(boundary, real) && !isCacheBlob(real)) fail(`it is a link that leads out of the folder (to ${real})`)
  const stats = statSync(real)
  if (options.kind === 'file' && !stats.isFile()) fail('it is not a regular file')
  if (options.kind === 'folder' && !stats.isDirectory()) fail('it is not a folder')
  return path
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
