import {join} from 'node:path'
import {checkEntry} from '../io/paths/check-entry'
import {checkHexId} from '../io/paths/check-hex-id'

/**
 * Where huggingface_hub keeps one model repo in its cache; cmaam writes the same layout. Names
 * from the Hub are checked before they become paths: etags and shas are hex, listed paths stay
 * inside the snapshot (UNSAFE_INPUT otherwise).
 */
export interface RepoCachePaths {
  /** `<cache>/models--org--name` */
  root: string
  /** File contents, named by etag: the sha256 of an LFS file, the git blob sha1 of any other. */
  blob(etag: string): string
  /** cmaam's partial download of a blob (huggingface_hub writes `<etag>.incomplete`, never this one). */
  partialBlob(etag: string): string
  /** The commit's view of a file: a relative symlink into `blobs/`. */
  pointer(sha: string, path: string): string
  snapshot(sha: string): string
  /** The commit a branch or tag pointed to when last resolved: the sha, no newline. */
  ref(revision: string): string
}

export function repoCachePaths(cacheDir: string, repo: string): RepoCachePaths {
  const root = join(cacheDir, ['models', ...repo.split('/')].join('--'))
  const source = `the Hub listing of ${repo}`
  const snapshot = (sha: string): string => join(root, 'snapshots', checkHexId(sha, {kind: 'sha1', file: source, what: 'commit sha'}))
  const blob = (etag: string): string => join(root, 'blobs', checkHexId(etag, {kind: etag.length === 64 ? 'sha256' : 'sha1', file: source, what: 'etag'}))
  return {
    root,
    blob,
    partialBlob: (etag) => `${blob(etag)}.cmaam.incomplete`,
    pointer: (sha, path) => join(snapshot(sha), ...checkEntry(path, {file: source, what: 'path'})),
    snapshot,
    ref: (revision) => join(root, 'refs', ...revision.split('/')),
  }
}
