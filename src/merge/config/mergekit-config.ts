import {CmaamError} from '../../errors'
import {formatParamChoice, formatParamValue} from '../methods/format-param'
import {PARAM_DEFAULTS} from '../methods/resolve-methods'
import type {MethodName, ModuleFilter, ParamValue} from '../methods/types'
import type {MergeConfig} from './read-merge-config'

/** mergekit's `merge_method` values cmaam runs, by the name `--method` takes (the same). */
const METHODS: readonly MethodName[] = ['linear', 'slerp', 'task_arithmetic', 'ties', 'dare_linear', 'dare_ties', 'breadcrumbs', 'model_stock']

/** The numeric parameters each method reads from mergekit's schema: per model (`weight`, `density`, `gamma`) or global (`lambda`, `t`). */
const PARAMETERS: Readonly<Record<string, {perModel: readonly string[]; global: readonly string[]}>> = {
  linear: {perModel: ['weight'], global: ['normalize']},
  slerp: {perModel: [], global: ['t']},
  task_arithmetic: {perModel: ['weight'], global: ['lambda', 'normalize']},
  ties: {perModel: ['weight', 'density'], global: ['lambda', 'normalize', 'int8_mask', 'rescale']},
  dare_linear: {perModel: ['weight', 'density'], global: ['lambda', 'normalize', 'int8_mask', 'rescale']},
  dare_ties: {perModel: ['weight', 'density'], global: ['lambda', 'normalize', 'int8_mask', 'rescale']},
  breadcrumbs: {perModel: ['weight', 'density', 'gamma'], global: ['lambda', 'normalize', 'int8_mask', 'rescale']},
  model_stock: {perModel: [], global: ['filter_wise']},
}

/** mergekit's dtype names → `--dtype`. */
const DTYPES: Readonly<Record<string, string>> = {bfloat16: 'bf16', bf16: 'bf16', float16: 'f16', fp16: 'f16', half: 'f16', float32: 'f32', fp32: 'f32', float: 'f32'}

const REFUSED: Readonly<Record<string, string>> = {
  slices: 'layer slices (passthrough, frankenmerges) are not supported: cmaam merges whole models tensor by tensor',
  modules: 'per-module merge definitions are not supported: give models and parameters (filters select modules)',
  tokenizer: 'tokenizer building is not supported: cmaam copies the base model’s tokenizer (tokenizer_source: base)',
  chat_template: 'chat templates are not set by cmaam: the base model’s tokenizer files are copied as they are',
}

/** A parameter as mergekit writes it, read into cmaam's form: a value (when one applies to every tensor) and module filters. */
interface Setting {
  value?: ParamValue
  filters: ModuleFilter[]
}

/**
 * Translates a mergekit config into the `cmaam merge` flags that make the same merge: `base_model`
 * → --target, the other `models` → --source (in order), `merge_method` → --method, per-model
 * `weight` → --weights, `density`/`gamma` (equal for every model) and global `lambda`/`t`/`density`
 * → the flags of those names (gradients and `filter` lists in cmaam's flag syntax), `normalize`,
 * `rescale` (mergekit's default true = --rescale l1), `out_dtype`/`dtype` → --dtype. Anything cmaam
 * cannot do exactly is refused with the key at fault.
 */
export function translateMergekitConfig(root: Record<string, unknown>, path: string): MergeConfig {
  const fail: Fail = (key, what, hint) =>
    new CmaamError(`${path}: ${key}: ${what}`, {hint: hint ?? 'cmaam reads the part of mergekit’s schema it can merge exactly (docs/methods.md, "mergekit configs").'})
  for (const key of Object.keys(root)) {
    if (key in REFUSED) throw fail(key, REFUSED[key])
    if (!['merge_method', 'base_model', 'models', 'parameters', 'dtype', 'out_dtype', 'tokenizer_source'].includes(key)) throw fail(key, 'unknown or unsupported key')
  }
  const method = root.merge_method
  if (typeof method !== 'string' || !METHODS.includes(method as MethodName)) {
    throw fail('merge_method', `${JSON.stringify(method)} is not a method cmaam runs`, `cmaam runs ${METHODS.join(', ')}.`)
  }
  if (root.tokenizer_source !== undefined && root.tokenizer_source !== 'base') {
    throw fail('tokenizer_source', `${JSON.stringify(root.tokenizer_source)} is not supported: cmaam copies the base model’s tokenizer`, 'Use tokenizer_source: base, or leave it out.')
  }
  const base = modelRef(root.base_model, 'base_model', fail)
  const models = modelsOf(root.models, method, fail)
  const sources = models.filter((m) => m.ref !== base)
  if (sources.length === 0) throw fail('models', 'lists no model besides base_model')
  const global = mapOf(root.parameters, 'parameters', fail)
  for (const name of Object.keys(global)) {
    if (!PARAMETERS[method].global.includes(name) && !PARAMETERS[method].perModel.includes(name)) throw fail(`parameters.${name}`, `${method} takes no ${name}`, paramHint(method))
  }

  const config: MergeConfig = {target: base, source: sources.map((m) => m.ref), method}
  const dtype = root.out_dtype ?? root.dtype
  if (dtype !== undefined) {
    const key = root.out_dtype !== undefined ? 'out_dtype' : 'dtype'
    if (typeof dtype !== 'string' || !(dtype in DTYPES)) throw fail(key, `${JSON.stringify(dtype)} is not a dtype cmaam writes`, 'Use bfloat16, float16 or float32.')
    config.dtype = DTYPES[dtype]
  }
  const normalize = switchOf(global, 'normalize', fail)
  // cmaam's linear is an interpolation, normalised by its nature: it takes no --normalize.
  if (normalize !== undefined && method !== 'linear') config.normalize = normalize
  switchOf(global, 'int8_mask', fail) // the sign mask's storage type: no effect on the values
  if (switchOf(global, 'filter_wise', fail) === true) throw fail('parameters.filter_wise', 'Model Stock per row is not supported: cmaam takes one ratio per tensor')
  const rescale = switchOf(global, 'rescale', fail)
  if (method === 'dare_linear' || method === 'dare_ties') config.rescale = rescale === false ? 'none' : 'l1'
  else if (rescale === true) throw fail('parameters.rescale', `cmaam rescales only DARE's kept entries, not ${method}'s`)

  if (method === 'linear') return {...config, ...linearAlpha(sources, models.find((m) => m.ref === base), normalize, fail)}
  Object.assign(config, numericFlags(method, sources, global, fail))
  if (PARAMETERS[method].perModel.includes('weight')) config.weights = weightsFlag(method, sources, fail)
  return config
}

type Fail = (key: string, what: string, hint?: string) => CmaamError

interface ModelEntry {
  /** Where it is in the file: `models[1]`. */
  key: string
  ref: string
  parameters: Record<string, unknown>
}

/** `models:`, each `model:` and its `parameters:`, which must be ones the method takes per model. */
function modelsOf(value: unknown, method: string, fail: Fail): ModelEntry[] {
  if (!Array.isArray(value) || value.length === 0) throw fail('models', 'expected a list of `- model: …` entries')
  return value.map((entry, i) => {
    const key = `models[${i}]`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fail(key, 'expected `model:` and optional `parameters:`')
    for (const k of Object.keys(entry)) if (k !== 'model' && k !== 'parameters') throw fail(`${key}.${k}`, 'unknown key')
    const {model, parameters} = entry as {model?: unknown; parameters?: unknown}
    const checked = {key, ref: modelRef(model, `${key}.model`, fail), parameters: mapOf(parameters, `${key}.parameters`, fail)}
    for (const name of Object.keys(checked.parameters)) {
      if (!PARAMETERS[method].perModel.includes(name)) throw fail(`${key}.parameters.${name}`, `${method} takes no per-model ${name}`, paramHint(method))
    }
    return checked
  })
}

/**
 * `density`, `gamma`, `lambda`, `t` as flags: the per-model setting (one for all models) ahead of
 * the global one, as mergekit's ConfigReader looks them up — per-model filters first, then global
 * filters, and the first value that applies to every tensor.
 */
function numericFlags(method: string, sources: ModelEntry[], global: Record<string, unknown>, fail: Fail): MergeConfig {
  const flags: MergeConfig = {}
  for (const name of ['density', 'gamma', 'lambda', 't'] as const) {
    if (![...PARAMETERS[method].perModel, ...PARAMETERS[method].global].includes(name)) continue
    const perModel = sources.map((m) => (name in m.parameters ? settingOf(m.parameters[name], `${m.key}.parameters.${name}`, fail) : null))
    const differing = perModel.findIndex((s) => JSON.stringify(s) !== JSON.stringify(perModel[0]))
    if (differing >= 0) {
      throw fail(`${sources[differing].key}.parameters.${name}`, `differs from ${sources[0].key}'s: cmaam sparsifies every task vector of a tensor with one ${name}`, `Give ${name} once under parameters:, or the same for every model.`)
    }
    const globalSetting = name in global ? settingOf(global[name], `parameters.${name}`, fail) : null
    const value = perModel[0]?.value ?? globalSetting?.value
    const filters = [...(perModel[0]?.filters ?? []), ...(globalSetting?.filters ?? [])]
    if (name === 't' && value === undefined) {
      if (filters.length === 0) throw fail('parameters.t', 'slerp needs t (mergekit requires it)', 'e.g. parameters: {t: 0.5}')
      throw fail('parameters.t', 'no value for the tensors that no filter matches', 'End the list with an entry without filter, e.g. `- value: 0.5`.')
    }
    if (value === undefined && filters.length === 0) continue
    flags[name] = formatParamChoice({default: value ?? PARAM_DEFAULTS[name], components: {}, filters})
  }
  return flags
}

/** `--weights`: each model's `weight`, a number or a gradient (mergekit requires one per model). */
function weightsFlag(method: string, sources: ModelEntry[], fail: Fail): string {
  return sources
    .map((m) => {
      const key = `${m.key}.parameters.weight`
      if (!('weight' in m.parameters)) throw fail(key, `missing: ${method} weighs each model (mergekit requires it)`)
      const setting = settingOf(m.parameters.weight, key, fail)
      if (setting.filters.length > 0 || setting.value === undefined) throw fail(key, 'module filters on a weight are not supported: give a number or a gradient')
      return formatParamValue(setting.value)
    })
    .join(',')
}

/** mergekit's linear merge of the base and one model, Σ wᵢθᵢ / Σ wᵢ, as cmaam's α = w_source / (w_base + w_source). */
function linearAlpha(sources: ModelEntry[], base: ModelEntry | undefined, normalize: boolean | undefined, fail: Fail): MergeConfig {
  if (sources.length !== 1 || !base) throw fail('models', 'linear: cmaam interpolates between base_model and one model, so list exactly those two', 'For several fine-tunes use task_arithmetic.')
  if (normalize === false) throw fail('parameters.normalize', 'linear without normalize is a sum of models, not an interpolation: not supported')
  const weight = (entry: ModelEntry): number => {
    const value = entry.parameters.weight
    if (typeof value !== 'number' || !Number.isFinite(value)) throw fail(`${entry.key}.parameters.weight`, 'linear takes one number per model here (gradients and filters of a two-model weight are not one α)')
    return value
  }
  const [w0, w1] = [weight(base), weight(sources[0])]
  if (w0 + w1 === 0) throw fail(`${sources[0].key}.parameters.weight`, 'the two weights add up to 0')
  return {alpha: String(w1 / (w0 + w1))}
}

function paramHint(method: string): string {
  const spec = PARAMETERS[method]
  const names = [...spec.perModel.map((p) => `${p} (per model)`), ...spec.global]
  return names.length > 0 ? `mergekit's ${method} takes ${names.join(', ')}.` : `mergekit's ${method} takes no parameters.`
}

function modelRef(value: unknown, key: string, fail: Fail): string {
  if (typeof value !== 'string' || value.trim() === '') throw fail(key, 'expected a model: a Hub repo org/name[@revision] or a folder')
  if (value.includes('+')) throw fail(key, `${value}: a model+LoRA reference is not supported`, 'Give the LoRA adapter as its own model (cmaam applies a PEFT adapter given as --source).')
  return value
}

function mapOf(value: unknown, key: string, fail: Fail): Record<string, unknown> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw fail(key, 'expected `name: value` entries')
  return value as Record<string, unknown>
}

function switchOf(parameters: Record<string, unknown>, name: string, fail: Fail): boolean | undefined {
  const value = parameters[name]
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw fail(`parameters.${name}`, `expected true or false, got ${JSON.stringify(value)}`)
  return value
}

/**
 * mergekit's ParameterSetting: a number, a gradient (a list of numbers), or a list of `{filter, value}`
 * conditions tried in order, the first whose filter is in the tensor's name winning; a condition
 * without a filter (or `*`) ends the list, as nothing after it is reached.
 */
function settingOf(value: unknown, key: string, fail: Fail): Setting {
  const numeric = (v: unknown, where: string): ParamValue => {
    if (typeof v === 'number' && Number.isFinite(v)) return v
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v as number[]
    throw fail(where, `expected a number or a gradient [v0, …, vk], got ${JSON.stringify(v)}`)
  }
  if (!Array.isArray(value) || value.every((x) => typeof x === 'number')) return {value: numeric(value, key), filters: []}
  const filters: ModuleFilter[] = []
  for (const [i, cond] of value.entries()) {
    const where = `${key}[${i}]`
    if (typeof cond !== 'object' || cond === null || Array.isArray(cond)) throw fail(where, 'expected `filter:` and `value:`')
    for (const k of Object.keys(cond)) if (k !== 'filter' && k !== 'value') throw fail(`${where}.${k}`, 'unknown key')
    const {filter, value: v} = cond as {filter?: unknown; value?: unknown}
    const parsed = numeric(v, `${where}.value`)
    if (filter === undefined || filter === null || filter === '*') return {value: parsed, filters}
    if (typeof filter !== 'string' || filter === '' || /[,=[\]]/.test(filter)) throw fail(`${where}.filter`, `expected a module name such as self_attn or mlp, got ${JSON.stringify(filter)}`)
    filters.push({module: filter, value: parsed})
  }
  return {filters}
}
