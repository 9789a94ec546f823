import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {redactUrl} from '../redact-url'
import type {HubSettings} from './types'

const DEFAULT_ENDPOINT = 'https://huggingface.co'
const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on'])

export interface ResolveHubSettingsOptions {
  /** `--token`: wins over every other source. */
  token?: string
  /** `--endpoint`: wins over HF_ENDPOINT. */
  endpoint?: string
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv
}

/**
 * Finds the token, endpoint, cache and offline mode the way huggingface_hub does, so that both
 * tools share one login and one cache.
 */
export function resolveHubSettings(options: ResolveHubSettingsOptions = {}): HubSettings {
  const env = options.env ?? process.env
  const home = env.HOME || env.USERPROFILE || homedir()
  const expand = (path: string): string => (path === '~' || path.startsWith('~/') ? join(home, path.slice(1)) : path)

  const hfHome = expand(env.HF_HOME || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'huggingface'))
  const tokenPath = expand(env.HF_TOKEN_PATH || join(hfHome, 'token'))
  const token =
    cleanToken(options.token) ??
    cleanToken(env.HF_TOKEN) ??
    // The variable huggingface_hub read before HF_TOKEN; it still does.
    cleanToken(env.HUGGING_FACE_HUB_TOKEN) ??
    cleanToken(readTokenFile(tokenPath))

  return {
    token,
    endpoint: parseEndpoint(options.endpoint || env.HF_ENDPOINT || DEFAULT_ENDPOINT, options.endpoint ? '--endpoint' : 'HF_ENDPOINT'),
    cacheDir: expand(env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome, 'hub')),
    offline: isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE),
    ...(env.CMAAM_HUB_IDLE_TIMEOUT ? {idleTimeoutMs: parseSeconds(env.CMAAM_HUB_IDLE_TIMEOUT, 'CMAAM_HUB_IDLE_TIMEOUT')} : {}),
  }
}

function cleanToken(token: string | undefined | null): string | null {
  const cleaned = token?.replace(/[\r\n]/g, '').trim()
  return cleaned ? cleaned : null
}

function readTokenFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw new CmaamError(`Cannot read the Hugging Face token file ${path} (${code ?? 'unknown error'})`, {
      code: 'AUTH',
      hint: 'Fix its permissions, or set HF_TOKEN or pass --token instead.',
    })
  }
}

function parseEndpoint(value: string, source: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new CmaamError(`${source} is not a URL: ${JSON.stringify(redactUrl(value))}`, {hint: `Use a URL such as ${DEFAULT_ENDPOINT}.`})
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CmaamError(`${source} must be an http(s) URL, not ${JSON.stringify(redactUrl(value))}`, {hint: `Use a URL such as ${DEFAULT_ENDPOINT}.`})
  }
  if (url.username !== '' || url.password !== '') {
    // fetch refuses such URLs, and a password in a URL ends up in logs: the token authenticates.
    throw new CmaamError(`${source} must not hold a user name or password: ${redactUrl(value)}`, {
      code: 'UNSAFE_INPUT',
      hint: `Remove "user:password@" from it and authenticate with HF_TOKEN or --token.`,
    })
  }
  return value.replace(/\/+$/, '')
}

function parseSeconds(value: string, source: string): number {
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new CmaamError(`${source} must be a number of seconds above 0, not ${JSON.stringify(value)}`, {hint: 'Unset it to wait 60 s.'})
  }
  return seconds * 1000
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && TRUE_VALUES.has(value.trim().toLowerCase())
}
