import {setTimeout as delay} from 'node:timers/promises'
import {CmaamError} from '../errors'
import {DEFAULT_RETRY, hubFetch} from './hub-fetch'
import {networkError} from './network-error'
import type {HubRequestContext} from './types'

export interface ReadRemoteRangeOptions {
  url: string
  start: number
  length: number
  context: HubRequestContext
}

/**
 * Reads `length` bytes at `start` of a file on the Hub with a Range request. A server that ignores
 * the range gets its body read only as far as needed; a dropped connection is retried.
 */
export async function readRemoteRange(options: ReadRemoteRangeOptions): Promise<Buffer> {
  const {url, start, length, context} = options
  const retry = context.retry ?? DEFAULT_RETRY
  for (let attempt = 1; ; attempt++) {
    const headers = {Range: `bytes=${start}-${start + length - 1}`, 'Accept-Encoding': 'identity'}
    const response = await hubFetch({url, init: {headers}, context})
    // 200: the whole file is coming; skip to `start`.
    const skip = response.status === 206 ? 0 : start
    try {
      const bytes = await readPrefix(response, skip + length)
      if (bytes.length < skip + length) {
        const end = start + bytes.length - skip
        throw new CmaamError(`${context.path ?? url} in ${context.repo} ended at byte ${end}, before byte ${start + length}`, {
          hint: 'The file on the Hub is truncated or is not a safetensors file.',
        })
      }
      return bytes.subarray(skip, skip + length)
    } catch (error) {
      if (context.signal?.aborted) throw context.signal.reason
      if (error instanceof CmaamError) throw error
      if (attempt >= retry.attempts) throw networkError(url, error, attempt)
      await delay(retry.baseDelayMs * 2 ** (attempt - 1), undefined, {signal: context.signal}).catch(() => context.signal?.throwIfAborted())
    }
  }
}

async function readPrefix(response: Response, wanted: number): Promise<Buffer> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  let have = 0
  try {
    while (have < wanted) {
      const {done, value} = await reader.read()
      if (done) break
      chunks.push(value)
      have += value.byteLength
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  return Buffer.concat(chunks)
}
