import {unsafeInputError} from './unsafe-input-error'

export interface CheckEntryOptions {
  /** Names the entry's origin in the error. */
  file: string
  what: string
}

/**
 * Checks a relative path from outside (`a/b.bin`): a non-empty string with no NUL, not absolute, no
 * drive letter, and no empty, `.` or `..` segment (with `/` or `\` as separator), so that joining
 * it to a folder can only name something inside that folder. Returns its segments.
 */
export function checkEntry(entry: unknown, options: CheckEntryOptions): string[] {
  const fail = (why: string): never => {
    throw unsafeInputError({file: options.file, entry: String(entry), what: options.what, why})
  }
  if (typeof entry !== 'string' || entry === '') return fail('it is empty')
  if (entry.includes('\0')) return fail('it contains a NUL byte')
  if (entry.startsWith('/') || entry.startsWith('\\') || /^[A-Za-z]:/.test(entry)) return fail('it is an absolute path')
  const segments = entry.split(/[\\/]/)
  if (segments.includes('..')) return fail('it leads out of its folder (..)')
  if (segments.some((segment) => segment === '' || segment === '.')) return fail('it is not a file name (empty or "." part)')
  return segments
}
