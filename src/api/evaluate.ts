import {CmaamError} from '../errors'
import {endpointBackend, endpointClient, servedModels, type EndpointOptions} from '../eval/backends/endpoint'
import {serveBackend} from '../eval/backends/serve'
import {transformersJsBackend} from '../eval/backends/transformers-js'
import type {EvalBackend} from '../eval/backends/types'
import {combineShards, type CombinedModel} from '../eval/combine-shards'
import {EVAL_DTYPES, type EvalDtype} from '../eval/eval-model'
import {loadTransformersModel} from '../eval/load-transformers-model'
import {runEval, type EvalRun} from '../eval/run-eval'
import {parseShard} from '../eval/shard'
import type {EvalMetrics} from '../eval/types'
import {libraryContext, type RunContext} from './context'
import {OPTION_DEFAULTS} from './options/defaults'
import {deviceOption} from './options/device-option'
import {serverSettings, serveSettings} from './options/server-settings'
import {choiceOption, integerOption, listOption} from './options/values'
import type {CombineEvaluationsOptions, EvaluateOptions} from './types'

/** What `cmaam eval --combine … --json` prints. */
export interface CombinedEvaluation {
  models: CombinedModel[]
  comparison: EvalMetrics[]
}

/**
 * Evaluates vision-language models on a JSONL test set (exact match and contains accuracy) with
 * transformers.js on ONNX exports, an OpenAI-compatible `endpoint`, or a server started per model
 * by `serve`, writing results, predictions and the comparison into `output`: what `cmaam eval`
 * does, resolving to the record it prints with `--json`.
 */
export function evaluate(options: EvaluateOptions): Promise<EvalRun> {
  return evaluateWith(options, libraryContext(options))
}

export async function evaluateWith(options: EvaluateOptions, context: RunContext): Promise<EvalRun> {
  if (!options.data) throw new CmaamError('Missing --data', {hint: 'Pass --data with the test set (JSONL).'})
  if (options.endpoint !== undefined && options.serve !== undefined) throw new CmaamError('--endpoint and --serve cannot be used together', {hint: '--endpoint asks a running server; --serve starts one per --model.'})
  const maxNewTokens = integerOption(options.maxNewTokens ?? OPTION_DEFAULTS.maxNewTokens, '--max-new-tokens', 1)
  const backend = await evalBackend(options, context, maxNewTokens)
  let models = listOption(options.model)
  if (models.length === 0 && options.endpoint !== undefined) models = [await theServedModel(options, serverSettings(options, maxNewTokens))]
  if (models.length === 0) throw new CmaamError('Missing --model', {hint: 'Pass --model DIR|org/name (repeat it to compare models), or --combine DIR… to merge shard outputs.'})
  return runEval({
    models,
    data: options.data,
    images: options.images,
    output: options.output ?? OPTION_DEFAULTS.evalOutput,
    maxSamples: options.maxSamples === undefined ? undefined : integerOption(options.maxSamples, '--max-samples', 1),
    shard: options.shard === undefined ? undefined : parseShard(options.shard),
    restart: options.restart,
    backend,
    progress: context.progress,
  })
}

/** transformers.js unless `endpoint` or `serve` is given. */
async function evalBackend(options: EvaluateOptions, context: RunContext, maxNewTokens: number): Promise<EvalBackend> {
  if (options.endpoint !== undefined) return endpointBackend({...serverSettings(options, maxNewTokens), url: endpointUrl(options.endpoint)})
  if (options.serve !== undefined) return serveBackend({...serveSettings(options, maxNewTokens), serve: options.serve, settings: context.hub, progress: context.progress})
  return transformersJsBackend({
    device: await deviceOption(options.device, context),
    dtype: choiceOption(options.dtype ?? OPTION_DEFAULTS.evalDtype, '--dtype', Object.keys(EVAL_DTYPES) as EvalDtype[]),
    maxNewTokens,
    settings: context.hub,
    progress: context.progress,
    loadModel: loadTransformersModel,
  })
}

/** `--endpoint`: an http(s) API base, without a trailing slash. */
function endpointUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    url = new URL('x:')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CmaamError(`--endpoint ${text} is not an http(s) URL`, {hint: 'Pass the server’s API base, e.g. --endpoint http://localhost:8000/v1.'})
  }
  return text.replace(/\/+$/, '')
}

/** `--endpoint` without `--model`: the one model the server lists. */
async function theServedModel(options: EvaluateOptions, settings: Omit<EndpointOptions, 'url'>): Promise<string> {
  const url = endpointUrl(options.endpoint!)
  const served = await servedModels(endpointClient({...settings, url}), {...settings, url})
  if (served.length !== 1) {
    throw new CmaamError(`${url} serves ${served.length === 0 ? 'no model' : served.map((m) => `"${m.id}"`).join(', ')}: say which with --model`, {
      hint: served.length > 0 ? `e.g. --model ${served[0].id}` : 'Check the server’s configuration.',
    })
  }
  return served[0].id
}

/** Combines the output folders of `evaluate({shard: 'I/N'})` runs into the files one unsharded run writes: `cmaam eval --combine`. */
export function combineEvaluations(options: CombineEvaluationsOptions): Promise<CombinedEvaluation> {
  return combineShards({dirs: options.combine, output: options.output ?? OPTION_DEFAULTS.evalOutput})
}
