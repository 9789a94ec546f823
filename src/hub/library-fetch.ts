import {hubFetch} from './hub-fetch'
import type {HubRequestContext} from './types'

/**
 * A `fetch` to hand to @huggingface/hub: it adds the token, retries and error messages that the
 * library lacks. Failed responses never reach the library: they throw a CmaamError here.
 */
export function libraryFetch(context: HubRequestContext): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    return hubFetch({url, init, context})
  }
}
