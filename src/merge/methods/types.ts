import type {Job, TensorLocation} from '../../compute/jobs'
import type {Component} from '../../models/types'

export const METHOD_NAMES = ['cmaam', 'linear', 'task_arithmetic', 'ties', 'dare_linear', 'dare_ties', 'breadcrumbs', 'slerp', 'model_stock', 'keep-target', 'keep-source'] as const
export type MethodName = (typeof METHOD_NAMES)[number]

/** Numeric method parameters, named by their flags; each may be set per component. */
export const PARAM_NAMES = ['alpha', 'lambda', 'density', 'gamma', 't'] as const
export type ParamName = (typeof PARAM_NAMES)[number]

/** A choice made per component: `default` for every component not listed. */
export interface PerComponent<T> {
  default: T
  components: Partial<Record<Component, T>>
}

/**
 * A parameter's value: one number, or a gradient [v₀, …, vₖ] interpolated linearly over the
 * layers of the tensor's component (mergekit's): layer i of n takes the value at i/(n − 1) along
 * the list.
 */
export type ParamValue = number | readonly number[]

/** mergekit's `filter`: tensors whose name contains `module` take `value`; the first filter that matches wins. */
export interface ModuleFilter {
  module: string
  value: ParamValue
}

/** A method parameter as given: per component, and per module by filters that win over the component's value. */
export interface ParamChoice extends PerComponent<ParamValue> {
  filters?: readonly ModuleFilter[]
}

/** One component's setting of a parameter: its value, and the module filters that win over it. */
export interface ParamSetting {
  value: ParamValue
  filters: readonly ModuleFilter[]
}

/**
 * How DARE rescales the entries it keeps: `density` divides them by the density (the DARE paper,
 * mergekit ≤ 0.0.6), `l1` multiplies them by the task vector's ‖Δ‖₁/‖kept‖₁ (mergekit ≥ 0.1's
 * `rescale: true`), `none` leaves them (mergekit's `rescale: false`).
 */
export const RESCALE_MODES = ['density', 'l1', 'none'] as const
export type RescaleMode = (typeof RESCALE_MODES)[number]

/** What one tensor is merged with: its component's parameter values. */
export interface TensorParams extends Record<ParamName, number> {
  /** wᵢ per source. */
  weights: number[]
  /** Divide the mixed task vector by the sum of the weights that took part. */
  normalize: boolean
  rescale: RescaleMode
  seed: number
}

/** One tensor to merge: its name, the elements to merge, where its inputs are and where it goes. */
export interface MethodInputs {
  name: string
  count: number
  target: TensorLocation
  sources: TensorLocation[]
  out: TensorLocation
}

/**
 * A merge method (mergekit's "how"): a per-tensor function of (target, sources, parameters),
 * expressed as the compute job that streams and writes the tensor. The plan and the adapters never
 * see which method runs.
 */
export interface MergeMethod {
  name: MethodName
  /** One line for help, cards and docs. */
  title: string
  /** Where the formula comes from (docs/methods.md has it in full). */
  reference: string
  /** How many sources it merges. */
  sources: {min: number; max: number}
  /** The numeric parameters it reads. */
  params: readonly ParamName[]
  /** Whether it reads --weights and --normalize. */
  weighted: boolean
  /** Whether it reads --rescale (DARE). */
  rescales?: boolean
  /** --normalize when not given (mergekit's default for the method). */
  defaultNormalize: boolean
  /** The parameter that `--alpha-from cmaam` replaces with each tensor's CMAAM α. */
  weightParam: ParamName | null
  /** Needs the CMAAM analysis whatever `--alpha-from` says (the cmaam method itself). */
  needsAnalysis: boolean
  job(inputs: MethodInputs, params: TensorParams): Job
}
