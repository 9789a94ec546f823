import {unsafeInputError} from './unsafe-input-error'

/** Git object ids (commits, blobs) are sha1; LFS object ids and their blob names are sha256. */
const LENGTHS = {sha1: 40, sha256: 64} as const

export interface CheckHexIdOptions {
  kind: keyof typeof LENGTHS
  file: string
  what: string
}

/** Checks an id from outside that becomes a file name (`blobs/<etag>`): lowercase hex of its digest's length. */
export function checkHexId(value: unknown, options: CheckHexIdOptions): string {
  const length = LENGTHS[options.kind]
  if (typeof value !== 'string' || value.length !== length || !/^[0-9a-f]+$/.test(value)) {
    throw unsafeInputError({file: options.file, entry: String(value), what: options.what, why: `it is not a ${options.kind} (${length} lowercase hex digits)`})
  }
  return value
}
