import {availableParallelism} from 'node:os'
import {Flags} from '@oclif/core'
import {CmaamError} from '../errors'
import {parseSize} from '../io/safetensors/parse-size'
import type {AlphaOptions, MergeStrategy} from '../merge/analysis/types'
import {MERGE_STRATEGIES} from '../merge/analysis/types'
import type {OutputDtype} from '../merge/plan-merge'
import type {GroupingCompat} from '../merge/analysis/layer-groups'
import {resolveAlphaOptions} from '../merge/analysis/options'
import type {MergeSettings} from '../merge/run-merge'
import {PARAM_DEFAULTS, resolveMethods, type MethodSettings} from '../merge/methods/resolve-methods'
import {METHOD_NAMES, PARAM_NAMES, type MethodName, type ParamName, type PerComponent} from '../merge/methods/types'
import type {ProgressFactory} from '../progress'
import {COMPONENTS, type Component} from '../models/types'
import {quoteArg} from '../report/quote-arg'

const DTYPES: Record<string, OutputDtype> = {keep: 'keep', bf16: 'BF16', f16: 'F16', f32: 'F32'}

/** Flags of the CMAAM analysis, shared by `merge`, `analyze` and `hub merge`. */
export const analysisFlags = {
  strategy: Flags.string({description: 'How α is chosen per tensor: basic (one α from the overall alignment), layerwise, component, or full (their mean); see docs/method.md.', options: [...MERGE_STRATEGIES], default: 'full'}),
  'base-alpha': Flags.string({description: 'Base merge coefficient α₀ in [0, 1].', default: '0.5'}),
  'min-alpha': Flags.string({description: 'Lower clamp of every per-tensor α.', default: '0.05'}),
  'max-alpha': Flags.string({description: 'Upper clamp of every per-tensor α.', default: '0.95'}),
  'component-alpha': Flags.string({description: 'Per-component α₀ for the component α, e.g. vision=0.3,bridge=0.5.'}),
  'model-type': Flags.string({description: 'Adapter that maps parameter names to components (auto: detect from config.json, then names).', default: 'auto'}),
  compat: Flags.string({description: 'Layer grouping: per-tower (default) or the reference implementation’s bare layer numbers.', options: ['default', 'reference'], default: 'default'}),
  seed: Flags.integer({description: 'Seed of the PDA sampling and spectra: same inputs and seed give byte-identical outputs.', default: 0, min: 0}),
  'allow-nonfinite': Flags.boolean({description: 'Do not fail on NaN/Inf weights (they are left out of the scores).'}),
  threads: Flags.integer({description: 'Compute threads.', default: Math.min(availableParallelism(), 8), min: 1}),
}

/** Flags of every command that can reach the Hugging Face Hub. */
export const hubFlags = {
  token: Flags.string({
    description: 'Hugging Face access token (default: HF_TOKEN, else the token file HF_TOKEN_PATH or HF_HOME/token). Never printed or written.',
    helpGroup: 'HUB',
  }),
}

const perComponent = (what: string): string => `${what}; one value, or per component: 0.5,vision=0.2 (see docs/methods.md).`

/** Flags that choose the merge method and its parameters, per component: `merge`, `hub merge`, and `analyze` (which shows the choice). */
export const methodFlags = {
  method: Flags.string({
    description: `Merge method, one for all components or per component, e.g. ties,vision=keep-target,bridge=slerp: ${METHOD_NAMES.join(', ')} (docs/methods.md).`,
    default: 'cmaam',
  }),
  alpha: Flags.string({description: perComponent(`α of --method linear, in [0, 1] (default ${PARAM_DEFAULTS.alpha})`)}),
  lambda: Flags.string({description: perComponent(`λ, the scale of the mixed task vector of task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs (default ${PARAM_DEFAULTS.lambda})`)}),
  density: Flags.string({description: perComponent(`Fraction of each task vector kept by ties, dare_*, breadcrumbs, in (0, 1] (default ${PARAM_DEFAULTS.density}: nothing dropped)`)}),
  gamma: Flags.string({description: perComponent(`Fraction of largest entries breadcrumbs drops, in [0, 1] (default ${PARAM_DEFAULTS.gamma})`)}),
  t: Flags.string({description: perComponent(`SLERP position from target (0) to source (1) (default ${PARAM_DEFAULTS.t})`)}),
  weights: Flags.string({description: 'Weight wᵢ of each --source for the task-vector methods, in --source order, e.g. 0.7,0.3 (default 1 each).'}),
  normalize: Flags.boolean({description: 'Divide the mixed task vector by the sum of the weights (default: on for ties, off for the others, as mergekit).', allowNo: true}),
  'alpha-from': Flags.string({description: "Use each tensor's CMAAM α as its method's α (linear), t (slerp) or λ (task-vector methods).", options: ['cmaam']}),
}

/** Flags that only a merge has. */
export const mergeOnlyFlags = {
  output: Flags.string({char: 'o', description: 'Folder for the merged model (written elsewhere, moved into place when complete).', required: true}),
  ...methodFlags,
  analyze: Flags.boolean({description: 'Write cmaam_analysis_report.json (with --method linear: also run the analysis).'}),
  'save-alphas': Flags.boolean({description: 'Write cmaam_alphas.json with the α of every tensor.'}),
  dtype: Flags.string({description: 'dtype of merged float tensors (keep: each tensor keeps its own).', options: Object.keys(DTYPES), default: 'keep'}),
  'shard-size': Flags.string({description: 'Largest shard, e.g. 5GB, 500MB, 2GiB.', default: '5GB'}),
  force: Flags.boolean({description: 'Replace an existing, non-empty output folder.'}),
}

export function alphaOptionsFromFlags(flags: {strategy: string; 'base-alpha': string; 'min-alpha': string; 'max-alpha': string; 'component-alpha'?: string}): Partial<AlphaOptions> {
  return {
    strategy: flags.strategy as MergeStrategy,
    baseAlpha: parseNumberFlag(flags['base-alpha'], '--base-alpha'),
    minAlpha: parseNumberFlag(flags['min-alpha'], '--min-alpha'),
    maxAlpha: parseNumberFlag(flags['max-alpha'], '--max-alpha'),
    componentBaseAlpha: flags['component-alpha'] ? parseComponentAlpha(flags['component-alpha']) : {},
  }
}

export function outputDtypeFromFlag(value: string): OutputDtype {
  return DTYPES[value]
}

export function shardSizeFromFlag(value: string): number {
  return parseSize(value)
}

export function parseNumberFlag(text: string, flag: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value)) throw new CmaamError(`${flag} must be a number, got "${text}"`)
  return value
}

/** `vision=0.3,bridge=0.5` → per-component α₀. */
export function parseComponentAlpha(text: string): Partial<Record<Component, number>> {
  const result: Partial<Record<Component, number>> = {}
  for (const part of text.split(',')) {
    const [name, value, extra] = part.split('=').map((s) => s.trim())
    if (!COMPONENTS.includes(name as Component) || value === undefined || extra !== undefined) {
      throw new CmaamError(`--component-alpha: "${part}" is not <component>=<alpha>`, {hint: `Components: ${COMPONENTS.join(', ')}; e.g. --component-alpha vision=0.3,bridge=0.5`})
    }
    result[name as Component] = parseNumberFlag(value, `--component-alpha ${name}`)
  }
  return result
}

/** The flags that reproduce a merge (defaults left out), for model cards. */
export function reproduceFlags(flags: Record<string, unknown>, defaults: Record<string, unknown>, names: string[]): string {
  const parts: string[] = []
  for (const name of names) {
    const value = flags[name]
    if (value === undefined || value === false || value === defaults[name]) continue
    parts.push(value === true ? `--${name}` : `--${name} ${quoteArg(String(value))}`)
  }
  return parts.join(' ')
}

/** `ties,vision=keep-target` or `0.5,bridge=0.3`: a default (else `fallback`) and per-component values. */
export function parsePerComponent<T>(text: string, flag: string, fallback: T, parse: (value: string, where: string) => T): PerComponent<T> {
  const choice: PerComponent<T> = {default: fallback, components: {}}
  let sawDefault = false
  for (const part of text.split(',').map((p) => p.trim())) {
    const [name, value, extra] = part.split('=').map((s) => s.trim())
    if (value === undefined && !sawDefault && name !== '') {
      choice.default = parse(name, flag)
      sawDefault = true
      continue
    }
    if (!COMPONENTS.includes(name as Component) || value === undefined || value === '' || extra !== undefined || name in choice.components) {
      throw new CmaamError(`${flag}: "${part}" is not a value or <component>=<value>`, {
        hint: `Give one default and at most one value per component (${COMPONENTS.join(', ')}), e.g. ${flag} ${flag === '--method' ? 'ties,vision=keep-target' : '0.5,vision=0.2'}.`,
      })
    }
    choice.components[name as Component] = parse(value, `${flag} ${name}`)
  }
  return choice
}

/** The method settings from `--method`, `--alpha`, `--density` … */
export function methodSettingsFromFlags(flags: {method: string; weights?: string; normalize?: boolean; 'alpha-from'?: string} & Partial<Record<ParamName, string>>): MethodSettings {
  const params: MethodSettings['params'] = {}
  for (const param of PARAM_NAMES) {
    const text = flags[param]
    if (text !== undefined) params[param] = parsePerComponent(text, `--${param}`, PARAM_DEFAULTS[param], parseNumberFlag)
  }
  return {
    method: parsePerComponent(flags.method, '--method', 'cmaam' as MethodName, (value) => value as MethodName),
    params,
    weights: flags.weights === undefined ? null : flags.weights.split(',').map((w) => parseNumberFlag(w, '--weights')),
    normalize: flags.normalize ?? null,
    alphaFrom: flags['alpha-from'] === 'cmaam' ? 'cmaam' : null,
  }
}

/** The merge settings that come straight from flags (everything but the models, output and labels). */
export type MergeFlagSettings = Omit<MergeSettings, 'sources' | 'target' | 'output' | 'labels' | 'reproduce' | 'config'>

export function mergeSettingsFromFlags(
  flags: Parameters<typeof alphaOptionsFromFlags>[0] & Parameters<typeof methodSettingsFromFlags>[0] & {
    'model-type': string
    compat: string
    seed: number
    dtype: string
    'shard-size': string
    force: boolean
    'allow-nonfinite': boolean
    threads: number
    analyze: boolean
    'save-alphas': boolean
  },
  progress: ProgressFactory,
  sourceCount: number,
  notice?: (message: string) => void,
): MergeFlagSettings {
  const settings = {
    ...methodSettingsFromFlags(flags),
    alpha: alphaOptionsFromFlags(flags),
    modelType: flags['model-type'],
    compat: flags.compat as GroupingCompat,
    seed: flags.seed,
    dtype: outputDtypeFromFlag(flags.dtype),
    maxShardBytes: shardSizeFromFlag(flags['shard-size']),
    force: flags.force,
    allowNonfinite: flags['allow-nonfinite'],
    threads: flags.threads,
    analyze: flags.analyze,
    saveAlphas: flags['save-alphas'],
    progress,
    notice,
  }
  // Bad values fail now, not after downloading or reading the models.
  resolveAlphaOptions(settings.alpha)
  resolveMethods(settings, sourceCount)
  return settings
}
