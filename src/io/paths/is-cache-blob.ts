import {basename, dirname} from 'node:path'

/**
 * Whether `path` (resolved) is a file of a Hugging Face cache's `blobs/` folder
 * (`…/models--org--name/blobs/<sha1 or sha256>`): what `huggingface-cli download --local-dir` linked
 * large files to before huggingface_hub 0.23. Such a link leads to a downloaded model file, never to
 * a private one.
 */
export function isCacheBlob(path: string): boolean {
  const blobs = dirname(path)
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(basename(path)) && basename(blobs) === 'blobs' && /^(models|datasets|spaces)--./.test(basename(dirname(blobs)))
}
