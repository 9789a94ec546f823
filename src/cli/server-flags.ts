import {Flags} from '@oclif/core'
import {OPTION_DEFAULTS} from '../api/options/defaults'

/** Flags of evaluating through servers: `eval --serve/--endpoint`, `experiment --serve`. */
export const serverFlags = {
  serve: Flags.string({
    description: 'Start a server per model and evaluate through it: vllm, sglang, llama.cpp (a folder with model.gguf and mmproj.gguf), or a command template with {model} (its folder), {model_id} and {port}.',
  }),
  'api-key': Flags.string({description: 'Bearer token for the server (default: OPENAI_API_KEY); never printed or written.'}),
  concurrency: Flags.integer({description: 'Requests in flight to the server.', default: OPTION_DEFAULTS.concurrency, min: 1}),
  'request-timeout': Flags.integer({description: 'Seconds one request may take before it is retried.', default: OPTION_DEFAULTS.requestTimeout, min: 1}),
  'max-retries': Flags.integer({description: 'Retries of a 429/5xx answer, dropped connection or timeout (with backoff; Retry-After honoured up to 60 s).', default: OPTION_DEFAULTS.maxRetries, min: 0}),
  'serve-timeout': Flags.integer({description: 'Seconds a --serve server may take to answer GET /v1/models.', default: OPTION_DEFAULTS.serveTimeout, min: 1}),
}
