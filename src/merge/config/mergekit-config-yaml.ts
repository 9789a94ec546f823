import {stringify} from 'yaml'
import type {MergeSettings} from '../run-merge'
import {PARAM_DEFAULTS, resolveMethods} from '../methods/resolve-methods'
import type {ParamChoice, ParamName, ParamValue} from '../methods/types'
import {CMAAM_VERSION} from '../../version'

/** The file Hub tooling looks for beside a merged model. */
export const MERGEKIT_CONFIG_FILE = 'mergekit_config.yml'

const DTYPE_NAMES = {BF16: 'bfloat16', F16: 'float16', F32: 'float32'} as const

export interface MergekitConfigYamlOptions {
  /** The inputs as a replay names them (`org/name@<sha>` for Hub models). */
  sources: string[]
  target: string
  settings: Pick<MergeSettings, 'method' | 'params' | 'weights' | 'normalize' | 'rescale' | 'alphaFrom' | 'dtype'>
}

/** A mergekit ParameterSetting: a number, or `{filter, value}` conditions ending with the value for every other tensor. */
type MergekitSetting = number | Array<{filter?: string; value: number}>

/**
 * The same merge in mergekit's schema, or null when mergekit has no equal: a method chosen per
 * component, a value per component, a gradient (cmaam puts tensors outside the numbered blocks at
 * the gradient's start; mergekit puts the final norm and LM head at its end), CMAAM's α, or DARE
 * rescaled by 1/density (mergekit ≥ 0.1 rescales by the L1 ratio or not at all).
 */
export function mergekitConfigYaml(options: MergekitConfigYamlOptions): string | null {
  const {settings} = options
  const method = settings.method.default
  if (Object.keys(settings.method.components).length > 0 || settings.alphaFrom !== null) return null
  if (!['linear', 'slerp', 'task_arithmetic', 'ties', 'dare_linear', 'dare_ties', 'breadcrumbs', 'model_stock'].includes(method)) return null
  const {components} = resolveMethods(settings, options.sources.length)
  const {params} = components.language
  if (params.rescale === 'density' && components.language.method.rescales) return null
  if (params.weights.some((w) => typeof w !== 'number')) return null
  const settingOf = (name: ParamName, scale: (value: number) => number = (v) => v): MergekitSetting | null => {
    const choice: ParamChoice = settings.params[name] ?? {default: PARAM_DEFAULTS[name], components: {}}
    if (Object.keys(choice.components).length > 0) return null
    const values: ParamValue[] = [choice.default, ...(choice.filters ?? []).map((f) => f.value)]
    if (values.some((v) => typeof v !== 'number')) return null
    const fallback = scale(choice.default as number)
    const filters = choice.filters ?? []
    return filters.length === 0 ? fallback : [...filters.map((f) => ({filter: f.module, value: scale(f.value as number)})), {value: fallback}]
  }

  const config: Record<string, unknown> = {merge_method: method, base_model: options.target}
  const used = components.language.method.params
  const global: Record<string, unknown> = {}
  if (method === 'linear') {
    const sourceWeight = settingOf('alpha')
    const targetWeight = settingOf('alpha', (a) => 1 - a)
    if (sourceWeight === null || targetWeight === null) return null
    config.models = [
      {model: options.target, parameters: {weight: targetWeight}},
      {model: options.sources[0], parameters: {weight: sourceWeight}},
    ]
  } else {
    const models = options.sources.map((model, i) => ({model, ...(components.language.method.weighted ? {parameters: {weight: params.weights[i]}} : {})}))
    config.models = method === 'slerp' ? [{model: options.target}, ...models] : models
    for (const name of used) {
      const setting = settingOf(name)
      if (setting === null) return null
      global[name] = setting
    }
    if (components.language.method.weighted) global.normalize = params.normalize
    if (components.language.method.rescales) global.rescale = params.rescale === 'l1'
  }
  if (Object.keys(global).length > 0) config.parameters = global
  if (settings.dtype !== 'keep') config.out_dtype = DTYPE_NAMES[settings.dtype as keyof typeof DTYPE_NAMES]
  config.tokenizer_source = 'base'
  const header = [
    `# This merge in mergekit's schema (written by cmaam ${CMAAM_VERSION}); \`cmaam merge --config ${MERGEKIT_CONFIG_FILE} --output <folder>\` reads it too.`,
    '# cmaam computes in float64 and rounds once; mergekit computes in the inputs’ dtype, so values may differ in the last bit.',
    ...(components.language.method.rescales ? ['# DARE’s random masks are cmaam’s own (seeded); mergekit draws others.'] : []),
  ]
  return `${header.join('\n')}\n${stringify(config)}`
}
