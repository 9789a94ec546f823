import {PARAM_DEFAULTS, type MethodSettings} from '../../merge/methods/resolve-methods'
import {PARAM_NAMES, type MethodName} from '../../merge/methods/types'
import type {MethodOptions} from '../types'
import {OPTION_DEFAULTS} from './defaults'
import {choiceOption, numberOption, perComponentOption} from './values'

/** The method settings from `method`, `alpha`, `density` … (checked against the sources by resolveMethods). */
export function methodSettings(options: MethodOptions): MethodSettings {
  const params: MethodSettings['params'] = {}
  for (const param of PARAM_NAMES) {
    const value = options[param]
    if (value !== undefined) params[param] = perComponentOption(value, `--${param}`, PARAM_DEFAULTS[param], numberOption)
  }
  const weights = options.weights
  return {
    method: perComponentOption(options.method ?? OPTION_DEFAULTS.method, '--method', OPTION_DEFAULTS.method as MethodName, (value) => value as MethodName),
    params,
    weights: weights === undefined ? null : (typeof weights === 'string' ? weights.split(',') : weights).map((w) => numberOption(w, '--weights')),
    normalize: options.normalize ?? null,
    alphaFrom: options.alphaFrom === undefined ? null : choiceOption(options.alphaFrom, '--alpha-from', ['cmaam'] as const),
  }
}

