import {CmaamError} from '../errors'
import {EVAL_DTYPES, type EvalDtype} from '../eval/eval-model'
import {loadTransformersModel} from '../eval/load-transformers-model'
import {runExperiment} from '../experiment/run-experiment'
import type {ExperimentReport} from '../experiment/types'
import {libraryContext, type RunContext} from './context'
import {analysisSettings} from './options/analysis-settings'
import {deviceOption} from './options/device-option'
import {methodSettings} from './options/method-settings'
import {serveSettings} from './options/server-settings'
import {choiceOption, integerOption, numberOption} from './options/values'
import type {ExperimentOptions} from './types'

/** The experiment's own defaults: the seed's CMAAM setting (α₀ 0.3) and its evaluation. */
const EXPERIMENT_DEFAULTS = {baseAlpha: '0.3', linearAlphas: '0.3,0.5,0.7', maxNewTokens: 512, dtype: 'fp32'} as const

/**
 * Merges the fine-tune back into the base with CMAAM, builds linear baselines, writes an ONNX
 * export of every model (or, with `serve`, evaluates each through a server started for it: no
 * ONNX), evaluates them all and writes report.md/report.json with charts: what
 * `cmaam experiment` does, resolving to the report it prints with `--json`. A second run with
 * the same `output` does only what is missing or what a changed setting affects.
 */
export function experiment(options: ExperimentOptions): Promise<ExperimentReport> {
  return experimentWith(options, libraryContext(options))
}

export async function experimentWith(options: ExperimentOptions, context: RunContext): Promise<ExperimentReport> {
  const linearAlphas = linearAlphasOption(options.linearAlphas ?? EXPERIMENT_DEFAULTS.linearAlphas)
  const extraData = (options.extraData ?? []).map(extraDataOption)
  const analysis = analysisSettings({...options, baseAlpha: options.baseAlpha ?? EXPERIMENT_DEFAULTS.baseAlpha})
  // One device for the whole run: the merges' kernels and the evaluations.
  const device = await deviceOption(analysis.device, context)
  const maxNewTokens = integerOption(options.maxNewTokens ?? EXPERIMENT_DEFAULTS.maxNewTokens, '--max-new-tokens', 1)
  return runExperiment({
    base: options.base,
    finetuned: options.finetuned,
    data: options.data,
    extraData,
    output: options.output,
    onnxTemplate: options.onnxTemplate,
    serve: options.serve === undefined ? undefined : {serve: options.serve, ...serveSettings(options, maxNewTokens)},
    linearAlphas,
    merge: {...methodSettings(options), ...analysis, device, dtype: 'keep', maxShardBytes: 5e9},
    maxSamples: options.maxSamples === undefined ? undefined : integerOption(options.maxSamples, '--max-samples', 1),
    maxNewTokens,
    device,
    dtype: choiceOption(options.dtype ?? EXPERIMENT_DEFAULTS.dtype, '--dtype', Object.keys(EVAL_DTYPES) as EvalDtype[]),
    settings: context.hub,
    loadModel: loadTransformersModel,
    progress: context.progress,
    onStep: options.onStep,
  })
}

function linearAlphasOption(value: number[] | string): number[] {
  const parts = typeof value === 'string' ? value.split(',').filter((part) => part.trim() !== '') : value
  return parts.map((part) => numberOption(part, '--linear-alphas'))
}

/** `NAME=FILE.jsonl`, or the pair itself. */
function extraDataOption(entry: string | {name: string; file: string}): {name: string; file: string} {
  if (typeof entry !== 'string') return entry
  const at = entry.indexOf('=')
  if (at <= 0 || at === entry.length - 1) throw new CmaamError(`--extra-data "${entry}" is not NAME=FILE`, {hint: 'e.g. --extra-data english=./english/test.jsonl'})
  return {name: entry.slice(0, at), file: entry.slice(at + 1)}
}
