/**
 * An error the user can act on: one readable line naming the file or flag at fault, and what
 * to do about it. Commands print `message` (and `hint`) without a stack trace unless `--debug`.
 */
export class CmaamError extends Error {
  readonly hint?: string
  readonly exitCode: number

  constructor(message: string, options: {hint?: string; exitCode?: number; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'CmaamError'
    this.hint = options.hint
    this.exitCode = options.exitCode ?? 1
  }
}
