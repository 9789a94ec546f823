import {ADAPTER_FILE} from '../merge/run-merge'
import {quoteArg} from '../report/quote-arg'
import type {MergeOptions} from './types'
import {OPTION_DEFAULTS} from './options/defaults'

type ReproducedOptions = Omit<MergeOptions, 'source' | 'target' | 'output'>

/** The flags a model card repeats, in this order, with the option each comes from. */
const FLAGS: Array<[string, keyof ReproducedOptions]> = [
  ['method', 'method'],
  ['alpha', 'alpha'],
  ['lambda', 'lambda'],
  ['density', 'density'],
  ['gamma', 'gamma'],
  ['t', 't'],
  ['weights', 'weights'],
  ['rescale', 'rescale'],
  ['normalize', 'normalize'],
  ['alpha-from', 'alphaFrom'],
  ['strategy', 'strategy'],
  ['base-alpha', 'baseAlpha'],
  ['min-alpha', 'minAlpha'],
  ['max-alpha', 'maxAlpha'],
  ['component-alpha', 'componentAlpha'],
  ['model-type', 'modelType'],
  ['adapter', 'adapter'],
  ['compat', 'compat'],
  ['seed', 'seed'],
  ['dtype', 'dtype'],
  ['shard-size', 'shardSize'],
  ['onnx-template', 'onnxTemplate'],
  ['onnx-dtype', 'onnxDtype'],
]

/** Options that only the CMAAM analysis reads. */
const ANALYSIS_KEYS = new Set<keyof ReproducedOptions>(['strategy', 'baseAlpha', 'minAlpha', 'maxAlpha', 'componentAlpha', 'compat'])

/**
 * `merge …` arguments for the model card: the inputs as a replay names them, the output folder's
 * name and every option the merge used that is not its default, written as the flag a user would
 * type. The analysis options count only when the analysis ran (`analysis`).
 */
export function mergeReproduction(options: ReproducedOptions, inputs: {sources: string[]; target: string}, output: string, analysis: boolean): string {
  const parts: string[] = []
  for (const [flag, key] of FLAGS) {
    if (!analysis && ANALYSIS_KEYS.has(key)) continue
    // The card sits beside the adapter definition the merge wrote, not beside the user's file.
    const value = key === 'adapter' && options.adapter !== undefined ? ADAPTER_FILE : options[key]
    if (value === undefined || value === false) continue
    if (key === 'onnxDtype' && options.onnxTemplate === undefined) continue
    const text = (key === 'weights' || key === 'onnxDtype') && Array.isArray(value) ? value.map(flagValue).join(',') : flagText(value)
    if (key in OPTION_DEFAULTS && text === String(OPTION_DEFAULTS[key as keyof typeof OPTION_DEFAULTS])) continue
    parts.push(value === true ? `--${flag}` : `--${flag} ${quoteArg(text)}`)
  }
  const sources = inputs.sources.map((s) => `--source ${quoteArg(s)}`).join(' ')
  const name = output.split(/[\\/]/).filter(Boolean).pop() ?? 'merged'
  const off = options.normalize === false ? ' --no-normalize' : ''
  return `merge ${sources} --target ${quoteArg(inputs.target)} --output ${quoteArg(name)} ${parts.join(' ')}${off}`.trim()
}

/** An option value as its flag's text: `0.5,vision=[0.2,0.4]` for a per-component object, `[0.2,0.8]` for a gradient. */
function flagText(value: unknown): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([name, v]) => (name === 'default' ? flagValue(v) : `${name}=${flagValue(v)}`))
      .join(',')
  }
  return flagValue(value)
}

/** One value: a gradient in brackets. */
function flagValue(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(',')}]` : String(value)
}
