import type OpenAI from 'openai'
import {APIError} from 'openai'
import {CmaamError} from '../../errors'
import {imageDataUrl} from '../image-data-url'
import {openAIClient} from './openai-client'
import {serverFailure, serverMessage} from './server-failure'
import type {AnsweringModel, EvalBackend} from './types'

export interface EndpointOptions {
  /** API base, `http://host:8000/v1`. */
  url: string
  apiKey?: string
  /** Requests in flight. */
  concurrency: number
  /** Per attempt. */
  requestTimeoutSeconds: number
  maxRetries: number
  maxNewTokens: number
}

/** Statuses the server answers for one item's request (prompt too long, bad image): that item is skipped, the run goes on. */
const ITEM_ERRORS = new Set([400, 413, 422])
/** Entries of `GET /v1/models` read: a listing is never paged through without end. */
const MAX_LISTED = 1000

/** A model an OpenAI-compatible server already serves, asked over `POST /chat/completions`. */
export function endpointBackend(options: EndpointOptions): EvalBackend {
  const client = endpointClient(options)
  return {
    name: 'endpoint',
    device: null,
    async prepare(ref) {
      const served = await servedModels(client, options)
      const entry = served.find((model) => model.id === ref)
      if (!entry) {
        throw new CmaamError(`${options.url} serves ${served.map((m) => `"${m.id}"`).join(', ') || 'no model'}, not "${ref}"`, {
          hint: served.length > 0 ? `Pass --model ${served[0].id}${served.length > 1 ? ' (or another of those)' : ''}.` : 'Check the server’s configuration.',
          code: 'NOT_FOUND',
        })
      }
      return {
        label: ref,
        settings: {model: ref, backend: 'endpoint', endpoint: options.url, server_model: entry.root ?? ref, max_new_tokens: options.maxNewTokens},
        open: async () => endpointModel(client, {...options, model: ref}),
      }
    },
  }
}

/** The model ids `GET /v1/models` lists, with what each serves (vLLM's `root`: the weights' path), when the server says. */
export async function servedModels(client: OpenAI, options: Pick<EndpointOptions, 'url' | 'requestTimeoutSeconds' | 'maxRetries'>): Promise<Array<{id: string; root?: string}>> {
  let page: {data: unknown[]}
  try {
    page = await client.models.list()
  } catch (error) {
    throw serverFailure(error, {url: options.url, what: 'GET /models', timeoutSeconds: options.requestTimeoutSeconds, retries: options.maxRetries})
  }
  const data = Array.isArray(page.data) ? page.data.slice(0, MAX_LISTED) : []
  return data.flatMap((entry) => {
    const {id, root} = (entry ?? {}) as {id?: unknown; root?: unknown}
    return typeof id === 'string' ? [{id, ...(typeof root === 'string' ? {root} : {})}] : []
  })
}

export function endpointClient(options: Pick<EndpointOptions, 'url' | 'apiKey' | 'requestTimeoutSeconds' | 'maxRetries'>): OpenAI {
  return openAIClient({baseURL: options.url, apiKey: options.apiKey, timeoutMs: options.requestTimeoutSeconds * 1000, maxRetries: options.maxRetries})
}

/**
 * Asks `model` greedily: the item's images as data URLs, then its text, in one user turn;
 * `max_tokens` bounds the answer. A 400/413/422 skips the item with the server's message.
 */
export function endpointModel(client: OpenAI, options: EndpointOptions & {model: string; dispose?: () => Promise<void>}): AnsweringModel {
  return {
    concurrency: options.concurrency,
    readImage: (path) => imageDataUrl(path),
    async answer(question, images) {
      const content = [...(images as string[]).map((url) => ({type: 'image_url' as const, image_url: {url}})), {type: 'text' as const, text: question}]
      try {
        const completion = await client.chat.completions.create({model: options.model, messages: [{role: 'user', content}], temperature: 0, max_tokens: options.maxNewTokens})
        const text = completion.choices?.[0]?.message?.content
        if (typeof text !== 'string') throw new CmaamError(`${options.url} answered without a message (choices[0].message.content)`, {code: 'SERVER'})
        return {text, newTokens: completion.usage?.completion_tokens ?? 0}
      } catch (error) {
        if (error instanceof APIError && error.status !== undefined && ITEM_ERRORS.has(error.status)) return {rejected: `${error.status} ${serverMessage(error.message.replace(/^\d+\s*/, ''))}`}
        throw serverFailure(error, {url: options.url, what: `POST /chat/completions for model "${options.model}"`, timeoutSeconds: options.requestTimeoutSeconds, retries: options.maxRetries})
      }
    },
    dispose: options.dispose ?? (async () => {}),
  }
}
