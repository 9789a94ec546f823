import {setTimeout as delay} from 'node:timers/promises'
import {CmaamError} from '../errors'
import {redactUrl} from '../redact-url'
import {hubResponseError} from './hub-error'
import {networkError} from './network-error'
import type {HubRequestContext, HubSettings, RetryOptions} from './types'

export const DEFAULT_RETRY: RetryOptions = {attempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000}

const MAX_REDIRECTS = 10
const MAX_RETRY_AFTER_MS = 60_000
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000
/** Listings, model info and commit answers are JSON of a few MB at most. */
export const MAX_JSON_BYTES = 64 * 2 ** 20

/** What a request that stalled fails with: the fetch is retried like a dropped connection. */
class IdleTimeout extends Error {
  readonly code = 'ETIMEDOUT'
}

export interface HubFetchOptions {
  url: string
  init?: RequestInit
  context: HubRequestContext
  /** Statuses the caller handles itself (e.g. 409 when creating a repo that exists). */
  acceptStatus?: number[]
  /** Read the whole body here, refusing one larger than this (JSON answers); by default the caller streams it. */
  maxBodyBytes?: number
}

/**
 * `fetch` for the Hub: sends the token to the Hub's origin only (never to the CDN it redirects to),
 * follows redirects, retries network errors, stalls (no byte for `idleTimeoutMs`), 429 and 5xx with
 * exponential backoff, and turns the failures left into a CmaamError. The body of the returned
 * response is the caller's to read (it fails with a `ETIMEDOUT` error when it stalls), unless
 * `maxBodyBytes` asks for it whole.
 */
export async function hubFetch(options: HubFetchOptions): Promise<Response> {
  const {url, init = {}, context, acceptStatus = []} = options
  const retry = context.retry ?? DEFAULT_RETRY
  const idleMs = context.settings.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
  // The library aborts its own requests (init.signal) when one of them fails; the caller aborts through the context.
  const signals = [init.signal, context.signal].filter((signal): signal is AbortSignal => signal != null)
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0]
  for (let attempt = 1; ; attempt++) {
    let response: Response
    const stalled = new AbortController()
    try {
      // An upload is busy sending until the answer comes: only requests without a body wait idle for it.
      const timer = init.body == null ? setTimeout(() => stalled.abort(new IdleTimeout(`no answer for ${idleMs / 1000} s`)), idleMs) : undefined
      try {
        response = await fetchFollowingRedirects(url, {...init, signal: signal ? AbortSignal.any([signal, stalled.signal]) : stalled.signal}, context.settings)
      } finally {
        clearTimeout(timer)
      }
      response = watchIdle(response, idleMs, stalled)
      if (options.maxBodyBytes !== undefined && (response.ok || acceptStatus.includes(response.status))) {
        response = await readWhole(response, options.maxBodyBytes, url)
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (error instanceof CmaamError) throw error
      const cause = stalled.signal.aborted ? stalled.signal.reason : error
      if (attempt >= retry.attempts) throw networkError(url, cause, attempt)
      // An abort during the wait rejects with its reason, as every abort of the Hub code does.
      await delay(backoffMs(retry, attempt), undefined, {signal}).catch(() => signal?.throwIfAborted())
      continue
    }
    if (response.ok || acceptStatus.includes(response.status)) return response
    if ((response.status === 429 || response.status >= 500) && attempt < retry.attempts) {
      await response.body?.cancel().catch(() => undefined)
      await delay(Math.max(backoffMs(retry, attempt), retryAfterMs(response)), undefined, {signal}).catch(() => signal?.throwIfAborted())
      continue
    }
    throw await hubResponseError(response, context)
  }
}

async function fetchFollowingRedirects(url: string, init: RequestInit, settings: HubSettings): Promise<Response> {
  const {token, endpoint} = settings
  const hubOrigin = new URL(endpoint).origin
  let current = url
  let method = init.method ?? 'GET'
  let body = init.body
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers = new Headers(init.headers)
    if (new URL(current).origin !== hubOrigin) headers.delete('authorization')
    else if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`)

    const response = await fetch(current, {...init, method, body, headers, redirect: 'manual'})
    const location = response.headers.get('location')
    if (response.status < 300 || response.status >= 400 || !location) return response
    await response.body?.cancel().catch(() => undefined)
    current = new URL(location, current).href
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET'
      body = undefined
    }
  }
  throw new CmaamError(`Too many redirects from ${new URL(url).host} (more than ${MAX_REDIRECTS})`, {
    hint: 'Check HF_ENDPOINT and any proxy between cmaam and the Hub.',
  })
}

/** The response with a body that fails (and aborts the request) when no byte comes for `idleMs`. */
function watchIdle(response: Response, idleMs: number, stalled: AbortController): Response {
  if (response.body === null) return response
  const reader = response.body.getReader()
  // highWaterMark 0: pull only when the caller reads, so that an unread body runs no timer.
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const timer = setTimeout(() => {
          const reason = new IdleTimeout(`no bytes for ${idleMs / 1000} s`)
          stalled.abort(reason)
          reader.cancel(reason).catch(() => undefined)
          controller.error(reason)
        }, idleMs)
        try {
          const {done, value} = await reader.read()
          if (done) controller.close()
          else controller.enqueue(value)
        } catch (error) {
          controller.error(stalled.signal.aborted ? stalled.signal.reason : error)
        } finally {
          clearTimeout(timer)
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    {highWaterMark: 0},
  )
  return new Response(body, {status: response.status, statusText: response.statusText, headers: response.headers})
}

/** Reads the body whole, refusing one above `maxBytes` before it is all in memory. */
async function readWhole(response: Response, maxBytes: number, url: string): Promise<Response> {
  const chunks: Uint8Array[] = []
  let bytes = 0
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length
    if (bytes > maxBytes) {
      await response.body?.cancel().catch(() => undefined)
      throw new CmaamError(`The answer of ${new URL(url).host} to ${redactUrl(url)} is larger than ${maxBytes} bytes`, {
        code: 'NETWORK',
        hint: 'The server is not a well-behaved Hugging Face Hub: check HF_ENDPOINT.',
      })
    }
    chunks.push(chunk)
  }
  return new Response(Buffer.concat(chunks), {status: response.status, statusText: response.statusText, headers: response.headers})
}

function backoffMs(retry: RetryOptions, attempt: number): number {
  const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1))
  // Jitter keeps parallel downloads from retrying in lockstep.
  return exponential * (0.75 + Math.random() / 2)
}

function retryAfterMs(response: Response): number {
  const header = response.headers.get('retry-after')
  if (!header) return 0
  const seconds = Number(header)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now()
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : 0
}
