import {availableParallelism} from 'node:os'
import {Flags} from '@oclif/core'
import {CmaamError} from '../errors'
import {parseSize} from '../io/safetensors/parse-size'
import type {AlphaOptions, MergeStrategy} from '../merge/analysis/types'
import {MERGE_STRATEGIES} from '../merge/analysis/types'
import type {OutputDtype} from '../merge/plan-merge'
import type {GroupingCompat} from '../merge/analysis/layer-groups'
import {resolveAlphaOptions} from '../merge/analysis/options'
import type {MergeMethod, MergeSettings} from '../merge/run-merge'
import type {ProgressFactory} from './progress'
import {COMPONENTS, type Component} from '../models/types'
import {parseOnnxDtypes, type OnnxDtype} from '../onnx/onnx-variants'

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

/** Flags that only a merge has. */
export const mergeOnlyFlags = {
  output: Flags.string({char: 'o', description: 'Folder for the merged model (written elsewhere, moved into place when complete).', required: true}),
  method: Flags.string({description: 'cmaam: per-tensor α (default); linear: the same α for every tensor (the baseline).', options: ['cmaam', 'linear'], default: 'cmaam'}),
  alpha: Flags.string({description: 'α of --method linear, in [0, 1].', default: '0.5'}),
  analyze: Flags.boolean({description: 'Write cmaam_analysis_report.json (with --method linear: also run the analysis).'}),
  'save-alphas': Flags.boolean({description: 'Write cmaam_alphas.json with the α of every tensor.'}),
  dtype: Flags.string({description: 'dtype of merged float tensors (keep: each tensor keeps its own).', options: Object.keys(DTYPES), default: 'keep'}),
  'shard-size': Flags.string({description: 'Largest shard, e.g. 5GB, 500MB, 2GiB.', default: '5GB'}),
  force: Flags.boolean({description: 'Replace an existing, non-empty output folder.'}),
  'onnx-template': Flags.string({description: 'After the merge, write the merged weights into this ONNX export of the target (a folder, or Hub repo org/name[@revision]) as onnx/, for transformers.js (see `cmaam onnx apply`).', helpGroup: 'ONNX'}),
  'onnx-dtype': Flags.string({description: 'Precisions of --onnx-template to write: fp32, fp16, q8, q4, q4f16 (comma-separated), or all.', default: 'fp32', helpGroup: 'ONNX'}),
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

/** `--dtype`/`--onnx-dtype` of the ONNX step: a list of precisions, or all the template has. */
export function onnxDtypesFromFlag(value: string, flag: string): OnnxDtype[] | 'all' {
  return value.trim() === 'all' ? 'all' : parseOnnxDtypes(value, flag)
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

export function quoteArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`
}

/** The merge settings that come straight from flags (everything but the models, output and labels). */
export type MergeFlagSettings = Omit<MergeSettings, 'source' | 'target' | 'output' | 'labels' | 'reproduce' | 'config'>

export function mergeSettingsFromFlags(
  flags: Parameters<typeof alphaOptionsFromFlags>[0] & {
    method: string
    alpha: string
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
    'onnx-template'?: string
    'onnx-dtype'?: string
  },
  progress: ProgressFactory,
): MergeFlagSettings {
  const settings = {
    method: flags.method as MergeMethod,
    linearAlpha: parseNumberFlag(flags.alpha, '--alpha'),
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
    ...(flags['onnx-template'] ? {onnx: {ref: flags['onnx-template'], dtypes: onnxDtypesFromFlag(flags['onnx-dtype'] ?? 'fp32', '--onnx-dtype')}} : {}),
  }
  // Bad values fail now, not after downloading or reading the models.
  resolveAlphaOptions(settings.alpha)
  return settings
}
