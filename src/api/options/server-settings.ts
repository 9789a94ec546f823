import {CmaamError} from '../../errors'
import type {EndpointOptions} from '../../eval/backends/endpoint'
import type {ServeBackendOptions} from '../../eval/backends/serve'
import type {ServerOptions} from '../types'
import {OPTION_DEFAULTS} from './defaults'
import {integerOption, numberOption} from './values'

/** How cmaam talks to a server, as flags give it (shared with `experiment --serve`). */
export function serverSettings(options: ServerOptions, maxNewTokens: number): Omit<EndpointOptions, 'url'> {
  return {
    apiKey: options.apiKey ?? (process.env.OPENAI_API_KEY || undefined),
    concurrency: integerOption(options.concurrency ?? OPTION_DEFAULTS.concurrency, '--concurrency', 1),
    requestTimeoutSeconds: positiveSeconds(options.requestTimeout ?? OPTION_DEFAULTS.requestTimeout, '--request-timeout'),
    maxRetries: integerOption(options.maxRetries ?? OPTION_DEFAULTS.maxRetries, '--max-retries', 0),
    maxNewTokens,
  }
}

/** `serverSettings` and what starting servers needs: the readiness wait, and the key kept out of logs. */
export function serveSettings(options: ServerOptions, maxNewTokens: number): Omit<ServeBackendOptions, 'serve' | 'settings' | 'progress'> {
  const settings = serverSettings(options, maxNewTokens)
  const key = settings.apiKey
  return {
    ...settings,
    readyTimeoutSeconds: positiveSeconds(options.serveTimeout ?? OPTION_DEFAULTS.serveTimeout, '--serve-timeout'),
    redact: (text: string) => (key ? text.split(key).join('***') : text),
  }
}

function positiveSeconds(value: number | string, flag: string): number {
  const seconds = numberOption(value, flag)
  if (!(seconds > 0)) throw new CmaamError(`${flag} must be a number of seconds above 0, got ${value}`)
  return seconds
}
