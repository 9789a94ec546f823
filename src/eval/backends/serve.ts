import {stat} from 'node:fs/promises'
import {resolveModelInput} from '../../hub/resolve-model-input'
import type {HubSettings} from '../../hub/types'
import type {ProgressFactory} from '../../progress'
import {CmaamError} from '../../errors'
import {freePort} from '../free-port'
import {fillServeTemplate, serveTemplate} from '../serve-command'
import {startServer} from '../server-process'
import {endpointClient, endpointModel, servedModels, type EndpointOptions} from './endpoint'
import type {EvalBackend} from './types'

export interface ServeBackendOptions extends Omit<EndpointOptions, 'url'> {
  /** A preset (`vllm`, `sglang`, `llama.cpp`) or a command template with `{model}`, `{model_id}`, `{port}`. */
  serve: string
  readyTimeoutSeconds: number
  /** Removes the API key from the server's log and from errors. */
  redact: (text: string) => string
  settings: () => HubSettings
  progress: ProgressFactory
}

/** How long a readiness probe may take: a server that is starting answers fast or not at all. */
const PROBE_TIMEOUT_SECONDS = 5

/**
 * One server per model, started by cmaam: the model's folder (a Hub model downloaded to its cache
 * snapshot first) is served on a free port of 127.0.0.1, asked like an endpoint, and stopped.
 */
export function serveBackend(options: ServeBackendOptions): EvalBackend {
  const template = serveTemplate(options.serve)
  return {
    name: 'serve',
    device: null,
    async prepare(ref) {
      const input = await resolveModelInput({ref, settings: options.settings, progress: options.progress})
      const isDir = await stat(input.dir).then((s) => s.isDirectory(), () => false)
      if (!isDir) throw new CmaamError(`Model folder not found: ${input.dir}`, {hint: 'With --serve, pass a model folder (safetensors, config and tokenizer) or a Hub repo id.', code: 'NOT_FOUND'})
      return {
        label: ref,
        settings: {model: input.repo ? input.replay : input.label, backend: 'serve', serve: options.redact(options.serve), max_new_tokens: options.maxNewTokens},
        async open({serverLog}) {
          const port = await freePort()
          const url = `http://127.0.0.1:${port}/v1`
          const probe = endpointClient({url, apiKey: options.apiKey, requestTimeoutSeconds: PROBE_TIMEOUT_SECONDS, maxRetries: 0})
          const server = await startServer({
            command: fillServeTemplate(template, {model: input.dir, model_id: input.repo ?? input.label, port}),
            logFile: serverLog,
            ready: async () => (await servedModels(probe, {url, requestTimeoutSeconds: PROBE_TIMEOUT_SECONDS, maxRetries: 0}), true),
            readyTimeoutSeconds: options.readyTimeoutSeconds,
            redact: options.redact,
          })
          try {
            const served = await servedModels(probe, {url, requestTimeoutSeconds: PROBE_TIMEOUT_SECONDS, maxRetries: 0})
            if (served.length !== 1) {
              throw new CmaamError(`The server started for ${ref} lists ${served.length} models at ${url}/models (${served.map((m) => m.id).join(', ')}); cmaam asks a server that serves one`, {
                hint: 'Serve only the model itself (no extra LoRA modules or aliases) in the --serve command.',
                code: 'SERVER',
              })
            }
            const client = endpointClient({url, apiKey: options.apiKey, requestTimeoutSeconds: options.requestTimeoutSeconds, maxRetries: options.maxRetries})
            return endpointModel(client, {...options, url, model: served[0].id, dispose: () => server.stop()})
          } catch (error) {
            await server.stop()
            throw error
          }
        },
      }
    },
  }
}
