import {APIConnectionError, APIConnectionTimeoutError, APIError} from 'openai'
import {CmaamError} from '../../errors'

/** A server's own words, on one line and short: it may be anything. */
export function serverMessage(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}

/**
 * What failed talking to the server at `url`, after the client's retries, as one line that names the
 * URL: unreachable, timed out, refused the key, no such model, or failing.
 */
export function serverFailure(error: unknown, options: {url: string; what: string; timeoutSeconds: number; retries: number}): CmaamError {
  const after = options.retries > 0 ? ` (after ${options.retries} retries)` : ''
  if (error instanceof APIConnectionTimeoutError) {
    return new CmaamError(`${options.url} did not answer ${options.what} within ${options.timeoutSeconds} s${after}`, {
      hint: 'The server is overloaded or stuck: lower --concurrency, raise --request-timeout, or check the server.',
      code: 'NETWORK',
      cause: error,
    })
  }
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `${error.cause.message}${(error.cause as {cause?: Error}).cause ? `: ${(error.cause as {cause?: Error}).cause!.message}` : ''}` : error.message
    return new CmaamError(`Cannot reach ${options.url} (${options.what})${after}: ${serverMessage(cause)}`, {
      hint: 'Check that the server is running and that --endpoint is its API base, e.g. http://host:8000/v1.',
      code: 'NETWORK',
      cause: error,
    })
  }
  if (error instanceof APIError) {
    const said = `${error.status ?? ''} ${serverMessage(error.message.replace(/^\d+\s*/, ''))}`.trim()
    if (error.status === 401 || error.status === 403) {
      return new CmaamError(`${options.url} refused ${options.what}: ${said}`, {hint: 'Pass the server’s key with --api-key or OPENAI_API_KEY.', code: 'AUTH', cause: error})
    }
    if (error.status === 404) {
      return new CmaamError(`${options.url} answered ${options.what} with ${said}`, {hint: 'Check --model against the server’s GET /v1/models, and that --endpoint ends with /v1.', code: 'NOT_FOUND', cause: error})
    }
    return new CmaamError(`${options.url} failed ${options.what}${after}: ${said}`, {hint: 'See the server’s log; the predictions so far are kept and the next run resumes.', code: 'SERVER', cause: error})
  }
  return error instanceof CmaamError ? error : new CmaamError(`${options.url} failed ${options.what}: ${serverMessage(error instanceof Error ? error.message : String(error))}`, {code: 'SERVER', cause: error})
}
