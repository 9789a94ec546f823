import {CmaamError} from '../errors'
import {combineShards, type CombinedModel} from '../eval/combine-shards'
import {EVAL_DTYPES, type EvalDtype} from '../eval/eval-model'
import {loadTransformersModel} from '../eval/load-transformers-model'
import {runEval, type EvalRun} from '../eval/run-eval'
import {parseShard} from '../eval/shard'
import type {EvalMetrics} from '../eval/types'
import {libraryContext, type RunContext} from './context'
import {OPTION_DEFAULTS} from './options/defaults'
import {deviceOption} from './options/device-option'
import {choiceOption, integerOption, listOption} from './options/values'
import type {CombineEvaluationsOptions, EvaluateOptions} from './types'

/** What `cmaam eval --combine … --json` prints. */
export interface CombinedEvaluation {
  models: CombinedModel[]
  comparison: EvalMetrics[]
}

/**
 * Evaluates ONNX exports of vision-language models on a JSONL test set with transformers.js
 * (exact match and contains accuracy), writing results, predictions and the comparison into
 * `output`: what `cmaam eval` does, resolving to the record it prints with `--json`.
 */
export function evaluate(options: EvaluateOptions): Promise<EvalRun> {
  return evaluateWith(options, libraryContext(options))
}

export async function evaluateWith(options: EvaluateOptions, context: RunContext): Promise<EvalRun> {
  const models = listOption(options.model)
  if (models.length === 0) throw new CmaamError('Missing --model', {hint: 'Pass --model DIR|org/name (repeat it to compare models), or --combine DIR… to merge shard outputs.'})
  if (!options.data) throw new CmaamError('Missing --data', {hint: 'Pass --data with the test set (JSONL).'})
  const device = await deviceOption(options.device, context)
  return runEval({
    models,
    data: options.data,
    images: options.images,
    output: options.output ?? OPTION_DEFAULTS.evalOutput,
    maxSamples: options.maxSamples === undefined ? undefined : integerOption(options.maxSamples, '--max-samples', 1),
    shard: options.shard === undefined ? undefined : parseShard(options.shard),
    maxNewTokens: integerOption(options.maxNewTokens ?? OPTION_DEFAULTS.maxNewTokens, '--max-new-tokens', 1),
    device,
    dtype: choiceOption(options.dtype ?? OPTION_DEFAULTS.evalDtype, '--dtype', Object.keys(EVAL_DTYPES) as EvalDtype[]),
    restart: options.restart,
    settings: context.hub,
    loadModel: loadTransformersModel,
    progress: context.progress,
  })
}

/** Combines the output folders of `evaluate({shard: 'I/N'})` runs into the files one unsharded run writes: `cmaam eval --combine`. */
export function combineEvaluations(options: CombineEvaluationsOptions): Promise<CombinedEvaluation> {
  return combineShards({dirs: options.combine, output: options.output ?? OPTION_DEFAULTS.evalOutput})
}
