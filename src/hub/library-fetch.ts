import {hubFetch, MAX_JSON_BYTES} from './hub-fetch'
import type {HubRequestContext} from './types'

/**
 * A `fetch` to hand to @huggingface/hub: it adds the token, retries, timeouts, body size limits and
 * error messages that the library lacks. Failed responses never reach the library: they throw a
 * CmaamError here. Its answers are JSON, read whole here (a stall is retried).
 */
export function libraryFetch(context: HubRequestContext): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    return hubFetch({url, init, context, maxBodyBytes: MAX_JSON_BYTES})
  }
}
