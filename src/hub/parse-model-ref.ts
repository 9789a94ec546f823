import {existsSync, statSync} from 'node:fs'
import {isAbsolute, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {isRepoId} from './is-repo-id'
import {isRevision} from './is-revision'
import type {ModelRef} from './types'

export interface ParseModelRefOptions {
  /** Folder that relative paths are resolved against; defaults to the working directory. */
  cwd?: string
}

/**
 * Reads a model argument: an existing path is a local folder; otherwise `org/name` or
 * `org/name@revision` names a Hub repo (revision defaults to `main`).
 */
export function parseModelRef(ref: string, options: ParseModelRefOptions = {}): ModelRef {
  const path = resolve(options.cwd ?? process.cwd(), ref)
  if (ref !== '' && existsSync(path)) return {kind: 'local', path}

  const at = ref.indexOf('@')
  const repo = at === -1 ? ref : ref.slice(0, at)
  const revision = at === -1 ? 'main' : ref.slice(at + 1)
  // `out/ties3` where `out/` is a folder here was meant as a path: say so now, not after Hub retries.
  const parent = resolve(options.cwd ?? process.cwd(), repo.split('/')[0])
  if (isRepoId(repo) && isRevision(revision) && existsSync(parent) && statSync(parent).isDirectory()) {
    throw new CmaamError(`Model folder not found: ${path}`, {
      code: 'NOT_FOUND',
      hint: `${parent} is a folder here, so "${ref}" was read as a path, not a Hub repo id; check the path (or run from another folder to use the Hub repo).`,
    })
  }
  if (isRepoId(repo) && isRevision(revision)) return {kind: 'hub', repo, revision}

  // Something written as a path (absolute, ./, ../, or deeper than org/name) was meant as a folder.
  const pathLike = isAbsolute(ref) || /^\.{1,2}[\\/]/.test(ref) || ref.split(/[\\/]/).filter(Boolean).length > 2
  throw new CmaamError(pathLike ? `Model folder not found: ${path}` : `Model "${ref}" is neither an existing folder (${path}) nor a valid Hub repo id`, {
    code: 'NOT_FOUND',
    hint: 'Pass a model folder, or a Hub repo as org/name or org/name@revision (a branch, tag, commit sha or refs/pr/N).',
  })
}
