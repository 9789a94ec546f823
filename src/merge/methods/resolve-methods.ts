import {CmaamError} from '../../errors'
import {COMPONENTS, type Component} from '../../models/types'
import {checkUnusedFlags} from './check-unused-flags'
import {MERGE_METHODS} from './registry'
import {METHOD_NAMES, PARAM_NAMES, type MergeMethod, type MethodName, type ParamChoice, type ParamName, type ParamSetting, type ParamValue, type PerComponent, type RescaleMode} from './types'

/** How a merge chooses its method and parameters: what `--method`, `--alpha`, `--density` … say. */
export interface MethodSettings {
  method: PerComponent<MethodName>
  /** The parameters given; the others take PARAM_DEFAULTS. */
  params: Partial<Record<ParamName, ParamChoice>>
  /** wᵢ per source, each a number or a gradient (default 1 each). */
  weights: ParamValue[] | null
  /** DARE's rescale of the kept entries (default `density`). */
  rescale?: RescaleMode | null
  /** null: each method's own default. */
  normalize: boolean | null
  /** `cmaam`: each tensor's CMAAM α becomes its method's weight parameter (α, t or λ). */
  alphaFrom: 'cmaam' | null
}

export const PARAM_DEFAULTS: Readonly<Record<ParamName, number>> = {alpha: 0.5, lambda: 1, density: 1, gamma: 0.01, t: 0.5}

/** DARE divides kept entries by the density unless told otherwise: the paper's rescale, and cmaam's outputs before --rescale existed. */
export const DEFAULT_RESCALE: RescaleMode = 'density'

/** Allowed values: [min, max], the lower end open where `openMin`. */
const PARAM_RANGES: Readonly<Record<ParamName, {min: number; max: number; openMin?: boolean}>> = {
  alpha: {min: 0, max: 1},
  t: {min: 0, max: 1},
  density: {min: 0, max: 1, openMin: true},
  gamma: {min: 0, max: 1},
  lambda: {min: -Infinity, max: Infinity},
}

/** A component's method and the parameters it merges with, before they are resolved per tensor (tensorParams). */
export interface ComponentMethod {
  method: MergeMethod
  params: Record<ParamName, ParamSetting> & {weights: ParamValue[]; normalize: boolean; rescale: RescaleMode}
}

export interface ResolvedMethods {
  /** By component, in COMPONENTS order. */
  components: Record<Component, ComponentMethod>
  alphaFrom: 'cmaam' | null
  /** Whether the CMAAM analysis must run (a cmaam component, or --alpha-from cmaam with a method that takes it). */
  needsAnalysis: boolean
}

export function forComponent<T>(choice: PerComponent<T>, component: Component): T {
  return choice.components[component] ?? choice.default
}

/**
 * Checks the method settings against the number of sources and fills in the defaults. Throws a
 * CmaamError naming the flag at fault: an unknown method, a method given the wrong number of
 * sources (Model Stock with one), a parameter out of range, a per-component parameter its
 * component's method does not read, a flag no component's method reads (`checkUnusedFlags`), or
 * --weights of the wrong length.
 */
export function resolveMethods(settings: MethodSettings, sourceCount: number): ResolvedMethods {
  for (const name of [settings.method.default, ...Object.values(settings.method.components)]) {
    if (!METHOD_NAMES.includes(name as MethodName)) {
      throw new CmaamError(`--method: unknown method "${name}"`, {hint: `Methods: ${METHOD_NAMES.join(', ')}.`})
    }
  }
  for (const key of Object.keys(settings.method.components)) checkComponent(key, '--method')
  const weights = settings.weights ?? new Array<ParamValue>(sourceCount).fill(1)
  if (weights.length !== sourceCount || !weights.every((w) => valuesOf(w).every(Number.isFinite))) {
    throw new CmaamError(`--weights has ${weights.length} value${weights.length === 1 ? '' : 's'} for ${sourceCount} source${sourceCount === 1 ? '' : 's'}`, {
      hint: 'Give one finite weight per --source, in the same order, e.g. --weights 0.7,0.3.',
    })
  }

  const components = {} as Record<Component, ComponentMethod>
  for (const component of COMPONENTS) {
    const method = MERGE_METHODS[forComponent(settings.method, component)]
    checkSources(method, sourceCount, component, settings.method)
    const values = {} as Record<ParamName, ParamSetting>
    for (const param of PARAM_NAMES) {
      const choice = settings.params[param]
      values[param] = choice ? {value: forComponent(choice, component), filters: choice.filters ?? []} : {value: PARAM_DEFAULTS[param], filters: []}
    }
    const rescale = settings.rescale ?? DEFAULT_RESCALE
    components[component] = {method, params: {...values, weights, normalize: settings.normalize ?? method.defaultNormalize, rescale}}
  }
  if (settings.rescale && !COMPONENTS.some((c) => components[c].method.rescales)) {
    throw new CmaamError(`--rescale ${settings.rescale}: no component is merged with dare_linear or dare_ties, the methods that rescale`, {hint: 'Drop --rescale, or merge with --method dare_linear or dare_ties.'})
  }

  for (const param of PARAM_NAMES) {
    const choice = settings.params[param]
    if (!choice) continue
    checkRange(param, choice.default, `--${param}`)
    for (const filter of choice.filters ?? []) checkRange(param, filter.value, `--${param} ${filter.module}`)
    for (const [component, value] of Object.entries(choice.components)) {
      checkComponent(component, `--${param}`)
      checkRange(param, value, `--${param} ${component}`)
      const {method} = components[component as Component]
      if (!method.params.includes(param)) {
        throw new CmaamError(`--${param} ${component}=${value}: the ${component} component is merged with ${method.name}, which takes no ${param}`, {
          hint: method.params.length > 0 ? `${method.name} takes ${method.params.map((p) => `--${p}`).join(', ')}.` : `${method.name} takes no parameters.`,
        })
      }
    }
  }
  checkUnusedFlags(settings)
  const methods = COMPONENTS.map((c) => components[c].method)
  const needsAnalysis = methods.some((m) => m.needsAnalysis) || (settings.alphaFrom === 'cmaam' && methods.some((m) => m.weightParam !== null))
  return {components, alphaFrom: settings.alphaFrom, needsAnalysis}
}

/** `ties` for every component, or `ties, vision=keep-target`: how reports and the card name the choice. */
export function describeMethods(choice: PerComponent<MethodName>): string {
  const overrides = Object.entries(choice.components).map(([c, m]) => `${c}=${m}`)
  return [choice.default, ...overrides].join(',')
}

function checkComponent(name: string, flag: string): void {
  if (!COMPONENTS.includes(name as Component)) {
    throw new CmaamError(`${flag}: unknown component "${name}"`, {hint: `Components: ${COMPONENTS.join(', ')}; e.g. ${flag} language=0.5.`})
  }
}

/** A gradient's values, or the one value. */
export function valuesOf(value: ParamValue): readonly number[] {
  return typeof value === 'number' ? [value] : value
}

function checkRange(param: ParamName, setting: ParamValue, flag: string): void {
  const {min, max, openMin} = PARAM_RANGES[param]
  if (valuesOf(setting).length === 0) throw new CmaamError(`${flag}: a gradient needs at least one value, got []`, {hint: `e.g. ${flag.split(' ')[0]} [0.2,0.8]`})
  for (const value of valuesOf(setting)) {
    if (!Number.isFinite(value) || value > max || value < min || (openMin && value === min)) {
      const range = Number.isFinite(min) ? `${openMin ? '(' : '['}${min}, ${max}]` : 'a finite number'
      throw new CmaamError(`${flag} must be ${Number.isFinite(min) ? `in ${range}` : range}, got ${value}`)
    }
  }
}

function checkSources(method: MergeMethod, count: number, component: Component, choice: PerComponent<MethodName>): void {
  if (count >= method.sources.min && count <= method.sources.max) return
  const where = choice.components[component] ? ` (for the ${component} component)` : ''
  const wanted = method.sources.min === method.sources.max ? `exactly ${method.sources.min} source` : `at least ${method.sources.min} sources`
  const why =
    method.name === 'model_stock'
      ? 'Model Stock takes its interpolation ratio from the angle between fine-tunes of one base, so it needs two or more: repeat --source.'
      : method.sources.max === 1
        ? `${method.name} merges one fine-tune into its base; for several, use task_arithmetic, ties, dare_linear, dare_ties or breadcrumbs.`
        : 'Give a --source per fine-tune.'
  throw new CmaamError(`--method ${method.name}${where} merges ${wanted}, got ${count}`, {hint: why})
}
