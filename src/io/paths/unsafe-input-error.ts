import {CmaamError} from '../../errors'

export interface UnsafeInputErrorOptions {
  /** The file or listing the entry comes from (a template, an index, a Hub repo, a config file). */
  file: string
  /** The offending value as given: a path, location, oid. */
  entry: string
  /** What it is, e.g. `external data location`, `listed path`. */
  what: string
  /** Why it is refused, e.g. `leads outside the folder`. */
  why: string
  hint?: string
}

/** One line naming the file, the entry (quoted, so control characters show) and why it is refused. */
export function unsafeInputError(options: UnsafeInputErrorOptions): CmaamError {
  return new CmaamError(`${options.file}: ${options.what} ${JSON.stringify(options.entry)} is refused: ${options.why}`, {
    code: 'UNSAFE_INPUT',
    hint: options.hint ?? 'It comes from a file cmaam did not write and may be hostile: nothing was read or written through it.',
  })
}
