import OpenAI from 'openai'

/** The longest wait a server's `Retry-After` may ask for: a longer one is cut to this. */
export const MAX_RETRY_AFTER_SECONDS = 60

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
 * exponential backoff and honours `Retry-After`, which is bounded here so that a server cannot
 * stall the run. It logs nothing and reads no OPENAI_* variable: the caller passes everything.
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
    fetch: boundedRetryAfter,
  })
}

/** `fetch`, with a `Retry-After` (seconds or a date) or `Retry-After-Ms` above the bound cut to it. */
export async function boundedRetryAfter(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init)
  const seconds = retryAfterSeconds(response.headers)
  if (seconds === null || seconds <= MAX_RETRY_AFTER_SECONDS) return response
  const headers = new Headers(response.headers)
  headers.delete('retry-after-ms')
  headers.set('retry-after', String(MAX_RETRY_AFTER_SECONDS))
  return new Response(response.body, {status: response.status, statusText: response.statusText, headers})
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
