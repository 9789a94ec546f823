import {CmaamError} from '../errors'
import {redactUrl} from '../redact-url'
import type {HubRequestContext} from './types'

const MAX_ERROR_BODY_BYTES = 64 * 1024

const VERBS: Record<HubRequestContext['operation'], string> = {
  download: 'download',
  inspect: 'read',
  upload: 'upload to',
}

/**
 * Turns a failed Hub response into one readable line. The Hub names the failure in `X-Error-Code`
 * (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) and explains it in `X-Error-Message`
 * or the JSON body's `error`.
 */
export async function hubResponseError(response: Response, context: HubRequestContext): Promise<CmaamError> {
  const {settings, repo} = context
  const code = response.headers.get('x-error-code')
  const serverMessage = redact(await readServerMessage(response), settings.token)
  const verb = VERBS[context.operation]
  const repoPage = `${settings.endpoint}/${repo}`
  const tokensPage = `${settings.endpoint}/settings/tokens`
  const because = serverMessage ? ` (the Hub says: ${serverMessage})` : ''

  if (code === 'GatedRepo' || (response.status === 403 && /\bgated\b|restricted/i.test(serverMessage))) {
    return settings.token
      ? new CmaamError(`${repo} is a gated model and the account of this token has not been granted access to it`, {
          code: 'AUTH',
          hint: `Request access at ${repoPage}, wait until it is granted, then try again.`,
        })
      : new CmaamError(`${repo} is a gated model: it requires a token of an account that accepted its conditions`, {
          code: 'AUTH',
          hint: `Accept its conditions at ${repoPage}, then set HF_TOKEN or pass --token.`,
        })
  }
  switch (response.status) {
    case 401:
      return settings.token
        ? new CmaamError(`The Hugging Face token is invalid or expired: the Hub refused to ${verb} ${repo}`, {
            code: 'AUTH',
            hint: `Create a new token at ${tokensPage}, then set HF_TOKEN or pass --token.`,
          })
        : new CmaamError(`${repo} requires a token: set HF_TOKEN or pass --token`, {
            code: 'AUTH',
            hint:
              'The Hub answers this way without a token for private and gated repos, and for repos that do not exist. ' +
              `Tokens: ${tokensPage}`,
          })
    case 403:
      return context.operation === 'upload'
        ? new CmaamError(`This token has no write access to ${repo}: the Hub refused the upload${because}`, {
            code: 'AUTH',
            hint: `Use a token with write access to ${repo.split('/')[0]} (create one at ${tokensPage}).`,
          })
        : new CmaamError(`The Hub refused to let this token ${verb} ${repo}${because}`, {
            code: 'AUTH',
            hint: `Check that the token's account can open ${repoPage}; a fine-grained token needs read access to it.`,
          })
    case 404:
      if (code === 'RevisionNotFound') {
        return new CmaamError(`Revision "${context.revision}" not found in ${repo}`, {
          code: 'NOT_FOUND',
          hint: `Use a branch, tag or commit sha of the repo (see ${repoPage}/tree/main).`,
        })
      }
      if (code === 'EntryNotFound' || (code !== 'RepoNotFound' && context.path !== undefined)) {
        return new CmaamError(`File ${context.path ?? 'requested'} not found in ${repo}@${context.revision ?? 'main'}`, {
          code: 'NOT_FOUND',
          hint: `The repo changed while cmaam read it, or the file is missing: check ${repoPage}.`,
        })
      }
      return new CmaamError(`Repo ${repo} not found on ${settings.endpoint}`, {
        code: 'NOT_FOUND',
        hint: 'Check the spelling of org/name; the Hub also answers this way for private repos the token cannot read.',
      })
    case 429:
      return new CmaamError(`The Hub kept rate-limiting requests to ${verb} ${repo} (HTTP 429), even after waiting`, {
        code: 'NETWORK',
        hint: settings.token
          ? 'Wait a few minutes and try again.'
          : 'Wait a few minutes, or use a token: anonymous requests get lower limits.',
      })
    default:
      return response.status >= 500
        ? new CmaamError(`The Hub failed to ${verb} ${repo} (HTTP ${response.status}), even after retries${because}`, {
            code: 'NETWORK',
            hint: `${new URL(settings.endpoint).host} may be having trouble: try again later.`,
          })
        : new CmaamError(`The Hub refused to ${verb} ${repo} (HTTP ${response.status})${because}`)
  }
}

async function readServerMessage(response: Response): Promise<string> {
  const header = response.headers.get('x-error-message')
  const body = await readStart(response, MAX_ERROR_BODY_BYTES).catch(() => '')
  if (header) return header
  try {
    const json = JSON.parse(body) as {error?: unknown; message?: unknown}
    const message = json.error ?? json.message
    return typeof message === 'string' ? message : ''
  } catch {
    return body.length <= 200 ? body.trim() : ''
  }
}

/** The start of a body: an error page from a hostile server may be endless. */
async function readStart(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let bytes = 0
  try {
    while (bytes < maxBytes) {
      const {done, value} = await reader.read()
      if (done) break
      chunks.push(value)
      bytes += value.length
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8')
}

// The Hub does not echo tokens, but a proxy in front of it might.
function redact(text: string, token: string | null): string {
  return redactUrl(token ? text.split(token).join('***') : text)
}
