import {join} from 'node:path'

/** Where huggingface_hub keeps one model repo in its cache; cmaam writes the same layout. */
export interface RepoCachePaths {
  /** `<cache>/models--org--name` */
  root: string
  /** File contents, named by etag: the sha256 of an LFS file, the git blob sha1 of any other. */
  blob(etag: string): string
  /** The commit's view of a file: a relative symlink into `blobs/`. */
  pointer(sha: string, path: string): string
  snapshot(sha: string): string
  /** The commit a branch or tag pointed to when last resolved: the sha, no newline. */
  ref(revision: string): string
}

export function repoCachePaths(cacheDir: string, repo: string): RepoCachePaths {
  const root = join(cacheDir, ['models', ...repo.split('/')].join('--'))
  const snapshot = (sha: string): string => join(root, 'snapshots', sha)
  return {
    root,
    blob: (etag) => join(root, 'blobs', etag),
    pointer: (sha, path) => join(snapshot(sha), ...path.split('/')),
    snapshot,
    ref: (revision) => join(root, 'refs', ...revision.split('/')),
  }
}
