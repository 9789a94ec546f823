import {PARAM_DEFAULTS, type MethodSettings} from '../../merge/methods/resolve-methods'
import {PARAM_NAMES, RESCALE_MODES, type MethodName} from '../../merge/methods/types'
import type {MethodOptions} from '../types'
import {OPTION_DEFAULTS} from './defaults'
import {paramOption, weightsOption} from './param-option'
import {choiceOption, perComponentOption} from './values'

/** The method settings from `method`, `alpha`, `density` … (checked against the sources by resolveMethods). */
export function methodSettings(options: MethodOptions): MethodSettings {
  const params: MethodSettings['params'] = {}
  for (const param of PARAM_NAMES) {
    const value = options[param]
    if (value !== undefined) params[param] = paramOption(value, `--${param}`, PARAM_DEFAULTS[param])
  }
  const weights = options.weights
  return {
    method: perComponentOption(options.method ?? OPTION_DEFAULTS.method, '--method', OPTION_DEFAULTS.method as MethodName, (value) => value as MethodName),
    params,
    weights: weights === undefined ? null : weightsOption(weights, '--weights'),
    normalize: options.normalize ?? null,
    rescale: options.rescale === undefined ? null : choiceOption(options.rescale, '--rescale', RESCALE_MODES),
    alphaFrom: options.alphaFrom === undefined ? null : choiceOption(options.alphaFrom, '--alpha-from', ['cmaam'] as const),
  }
}

