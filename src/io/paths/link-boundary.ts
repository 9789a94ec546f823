import {resolve, sep} from 'node:path'

/**
 * The folder that symlinks under `folder` may lead to: `folder` itself, except inside a Hugging Face
 * cache snapshot (`…/models--org--name/snapshots/<sha>/…`), whose files are links to
 * `../../blobs/<hash>`: there, that repo's cache folder.
 */
export function linkBoundary(folder: string): string {
  const segments = resolve(folder).split(sep)
  for (let i = segments.length - 2; i >= 1; i--) {
    if (segments[i] === 'snapshots' && /^(models|datasets|spaces)--./.test(segments[i - 1] ?? '')) {
      return segments.slice(0, i).join(sep) || sep
    }
  }
  return resolve(folder)
}
