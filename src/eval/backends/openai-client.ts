import OpenAI from 'openai'

/** The longest wait a server's `Retry-After` may ask for: a longer one is cut to this. */
export const MAX_RETRY_AFTER_SECONDS = 60
/** The largest answer read from a server: a chat completion of `max_tokens` is far smaller. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

export interface OpenAIClientOptions {
  /** API base, `http://host:8000/v1`. */
  baseURL: string
  apiKey?: string
  /** Per attempt. */
  timeoutMs: number
  /** Retries of a 408/409/429/5xx answer, a dropped connection or a timeout, with backoff. */
  maxRetries: number
}

/**
 * The official client for OpenAI-compatible servers: it retries transient failures with
 * exponential backoff and honours `Retry-After`. Its fetch is guarded so that a server cannot stall
 * the run or fill the memory: `Retry-After` is bounded, and an answer's body must arrive within the
 * timeout and stay under MAX_RESPONSE_BYTES. It logs nothing and reads no OPENAI_* variable.
 */
export function openAIClient(options: OpenAIClientOptions): OpenAI {
  return new OpenAI({
    baseURL: options.baseURL,
    // The client refuses to start without a key; servers without authentication ignore it.
    apiKey: options.apiKey ?? 'none',
    organization: null,
    project: null,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries,
    logLevel: 'off',
    fetch: guardedFetch(options.timeoutMs),
  })
}

/**
 * `fetch` for a server's answers: a `Retry-After` (seconds or a date) or `Retry-After-Ms` above the
 * bound is cut to it, and the body fails once it takes longer than `timeoutMs` after the headers or
 * grows past MAX_RESPONSE_BYTES.
 */
export function guardedFetch(timeoutMs: number): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const response = await fetch(input, init)
    const headers = new Headers(response.headers)
    const seconds = retryAfterSeconds(headers)
    if (seconds !== null && seconds > MAX_RETRY_AFTER_SECONDS) {
      headers.delete('retry-after-ms')
      headers.set('retry-after', String(MAX_RETRY_AFTER_SECONDS))
    }
    const body = response.body ? limitedBody(response.body, timeoutMs) : null
    return new Response(body, {status: response.status, statusText: response.statusText, headers})
  }
}

/** The body, read until the deadline and the size limit; past either, an error naming which. */
function limitedBody(body: ReadableStream<Uint8Array>, timeoutMs: number): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  const deadline = Date.now() + timeoutMs
  let bytes = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const late = Symbol('late')
      let timer: NodeJS.Timeout | undefined
      const chunk = await Promise.race([reader.read(), new Promise<typeof late>((resolve) => (timer = setTimeout(() => resolve(late), Math.max(0, deadline - Date.now()))))])
      clearTimeout(timer)
      if (chunk === late) {
        void reader.cancel().catch(() => {})
        return controller.error(new Error(`the answer did not arrive within ${timeoutMs / 1000} s`))
      }
      if (chunk.done) return controller.close()
      bytes += chunk.value.byteLength
      if (bytes > MAX_RESPONSE_BYTES) {
        void reader.cancel().catch(() => {})
        return controller.error(new Error(`the answer is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`))
      }
      controller.enqueue(chunk.value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
}

function retryAfterSeconds(headers: Headers): number | null {
  const ms = headers.get('retry-after-ms')
  if (ms !== null && Number.isFinite(Number.parseFloat(ms))) return Number.parseFloat(ms) / 1000
  const value = headers.get('retry-after')
  if (value === null) return null
  const seconds = Number.parseFloat(value)
  if (Number.isFinite(seconds)) return seconds
  const date = Date.parse(value)
  return Number.isFinite(date) ? (date - Date.now()) / 1000 : null
}
