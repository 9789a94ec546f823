import {setTimeout as delay} from 'node:timers/promises'
import {CmaamError} from '../errors'
import {hubResponseError} from './hub-error'
import {networkError} from './network-error'
import type {HubRequestContext, HubSettings, RetryOptions} from './types'

export const DEFAULT_RETRY: RetryOptions = {attempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000}

const MAX_REDIRECTS = 10
const MAX_RETRY_AFTER_MS = 60_000

export interface HubFetchOptions {
  url: string
  init?: RequestInit
  context: HubRequestContext
  /** Statuses the caller handles itself (e.g. 409 when creating a repo that exists). */
  acceptStatus?: number[]
}

/**
 * `fetch` for the Hub: sends the token to the Hub's origin only (never to the CDN it redirects to),
 * follows redirects, retries network errors, 429 and 5xx with exponential backoff, and turns the
 * failures left into a CmaamError. The body of the returned response is the caller's to read.
 */
export async function hubFetch(options: HubFetchOptions): Promise<Response> {
  const {url, init = {}, context, acceptStatus = []} = options
  const retry = context.retry ?? DEFAULT_RETRY
  // The library aborts its own requests (init.signal) when one of them fails; the caller aborts through the context.
  const signals = [init.signal, context.signal].filter((signal): signal is AbortSignal => signal != null)
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0]
  for (let attempt = 1; ; attempt++) {
    let response: Response
    try {
      response = await fetchFollowingRedirects(url, {...init, signal}, context.settings)
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (error instanceof CmaamError) throw error
      if (attempt >= retry.attempts) throw networkError(url, error, attempt)
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
