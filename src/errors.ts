/**
 * What kind of failure a `CmaamError` is, stable across releases so that scripts (`--json`) and
 * library callers can tell failures apart without reading messages.
 */
export type CmaamErrorCode =
  | 'INVALID_INPUT' // a flag, file or config that is wrong as given
  | 'UNSAFE_INPUT' // something from outside that would read or write where it must not (paths, links, patterns)
  | 'NOT_FOUND' // a file, folder, repo, revision or model that does not exist
  | 'OFFLINE' // HF_HUB_OFFLINE (or no network) and the thing is not cached
  | 'AUTH' // a missing, wrong or insufficient token; a gated repo
  | 'NETWORK' // a server that does not answer, or answers wrongly, after the retries
  | 'SERVER' // a serving engine or server process that failed (eval backends)
  | 'DISK_FULL' // no space, quota, or a read-only/failed disk while writing
  | 'INTERRUPTED' // SIGINT / SIGTERM
  | 'UNSUPPORTED' // valid input that cmaam does not handle (a method key, a dtype, a layout)

/**
 * An error the user can act on: one readable line naming the file or flag at fault, and what
 * to do about it. Commands print `message` (and `hint`) without a stack trace unless `--debug`.
 */
export class CmaamError extends Error {
  readonly hint?: string
  readonly exitCode: number
  readonly code: CmaamErrorCode

  constructor(message: string, options: {hint?: string; exitCode?: number; code?: CmaamErrorCode; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'CmaamError'
    this.hint = options.hint
    this.exitCode = options.exitCode ?? 1
    this.code = options.code ?? 'INVALID_INPUT'
  }
}
