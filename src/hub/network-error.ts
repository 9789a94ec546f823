import {CmaamError} from '../errors'
import {redactUrl} from '../redact-url'

/** A request that never got an answer (or stalled), after every retry; names the URL without its credentials. */
export function networkError(url: string, cause: unknown, attempts: number): CmaamError {
  const host = new URL(url).host
  return new CmaamError(`Cannot reach ${host}: ${describe(cause)} (${attempts} ${attempts === 1 ? 'try' : 'tries'}, ${redactUrl(url)})`, {
    code: 'NETWORK',
    hint: 'Check the network connection and HF_ENDPOINT; to use only models already in the cache, set HF_HUB_OFFLINE=1.',
    cause,
  })
}

// fetch reports "fetch failed" and keeps the system error (ECONNRESET, ENOTFOUND…) in `cause`;
// other failures may not even be Error objects.
function describe(error: unknown): string {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code
    if (typeof code === 'string') return `${code} ${current.message}`.trim()
    if (!(current.cause instanceof Error)) return current.message || current.name
    current = current.cause
  }
  return String(current)
}
