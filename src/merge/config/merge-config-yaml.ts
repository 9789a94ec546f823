import {ADAPTER_FILE, type MergeSettings} from '../run-merge'
import {resolveAlphaOptions} from '../analysis/options'
import {formatParamChoice, formatParamValue} from '../methods/format-param'
import {PARAM_DEFAULTS, resolveMethods} from '../methods/resolve-methods'
import {PARAM_NAMES, type ParamChoice, type PerComponent} from '../methods/types'
import {COMPONENTS} from '../../models/types'
import {toYaml, type YamlValue} from '../../report/yaml'
import {CMAAM_VERSION} from '../../version'

export interface MergeConfigYamlOptions {
  /** The inputs as a replay should name them: `org/name@<sha>` for Hub models. */
  sources: string[]
  target: string
  settings: Pick<
    MergeSettings,
    'method' | 'params' | 'weights' | 'normalize' | 'alphaFrom' | 'alpha' | 'modelType' | 'adapter' | 'compat' | 'seed' | 'dtype' | 'maxShardBytes' | 'analyze' | 'saveAlphas' | 'allowNonfinite' | 'allowFamilyMismatch' | 'onnx'
  >
}

/**
 * `cmaam_config.yaml`: every setting of a merge, keyed by the `cmaam merge` flag names, so that
 * `cmaam merge --config cmaam_config.yaml --output DIR` makes it again. Defaults are written too:
 * a replay must not depend on the defaults of the cmaam version that runs it. No output folder
 * (it is the replayer's choice) and never a token.
 */
export function mergeConfigYaml(options: MergeConfigYamlOptions): string {
  const {settings} = options
  const alpha = resolveAlphaOptions(settings.alpha)
  const methods = resolveMethods(settings, options.sources.length)
  const config: {[key: string]: YamlValue} = {
    source: options.sources.length === 1 ? options.sources[0] : options.sources,
    target: options.target,
    method: perComponentYaml(settings.method),
  }
  // The parameters some component's method reads, defaults included; per-component maps where set.
  const used = COMPONENTS.map((c) => methods.components[c].method)
  for (const param of PARAM_NAMES) {
    if (!used.some((m) => m.params.includes(param))) continue
    config[param] = paramYaml(settings.params[param] ?? {default: PARAM_DEFAULTS[param], components: {}})
  }
  if (used.some((m) => m.weighted)) config.weights = methods.components.language.params.weights.map((w) => (typeof w === 'number' ? w : formatParamValue(w)))
  if (used.some((m) => m.rescales)) config.rescale = methods.components.language.params.rescale
  if (settings.normalize !== null) config.normalize = settings.normalize
  if (settings.alphaFrom) config['alpha-from'] = settings.alphaFrom
  config.strategy = alpha.strategy
  config['base-alpha'] = alpha.baseAlpha
  config['min-alpha'] = alpha.minAlpha
  config['max-alpha'] = alpha.maxAlpha
  const components = Object.entries(alpha.componentBaseAlpha).flatMap(([c, v]) => (v === undefined ? [] : [[c, typeof v === 'number' ? v : formatParamValue(v)]]))
  if (components.length > 0) config['component-alpha'] = Object.fromEntries(components)
  config['model-type'] = settings.modelType
  // The merge writes the definition beside this file; a replay reads it relative to this file.
  if (settings.adapter !== undefined) config.adapter = ADAPTER_FILE
  config.compat = settings.compat
  config.seed = settings.seed
  config.dtype = settings.dtype.toLowerCase()
  config['shard-size'] = settings.maxShardBytes
  // oclif leaves an unset switch undefined.
  config.analyze = Boolean(settings.analyze)
  config['save-alphas'] = Boolean(settings.saveAlphas)
  config['allow-nonfinite'] = Boolean(settings.allowNonfinite)
  if (settings.allowFamilyMismatch) config['allow-family-mismatch'] = true
  if (settings.onnx) {
    config['onnx-template'] = settings.onnx.resolved?.label ?? settings.onnx.ref
    config['onnx-dtype'] = settings.onnx.dtypes === 'all' ? 'all' : settings.onnx.dtypes.join(',')
  }
  const header = [
    `# Settings of a merge made with cmaam ${CMAAM_VERSION}. Make it again with:`,
    '#   cmaam merge --config cmaam_config.yaml --output <folder>',
    '# Keys are `cmaam merge` flags; a flag given on the command line overrides the key.',
  ]
  return `${header.join('\n')}\n${toYaml(config)}`
}

/** Scalars as perComponentYaml writes them; with a gradient or a module filter, the flag's text. */
function paramYaml(choice: ParamChoice): YamlValue {
  const values = [choice.default, ...Object.values(choice.components)]
  if (values.every((v) => typeof v === 'number') && (choice.filters ?? []).length === 0) return perComponentYaml(choice as PerComponent<number>)
  return formatParamChoice(choice)
}

/** A scalar when every component shares the value, else a map with `default` and the components set. */
function perComponentYaml<T extends string | number>(choice: PerComponent<T>): YamlValue {
  const entries = Object.entries(choice.components) as Array<[string, T]>
  return entries.length === 0 ? choice.default : {default: choice.default, ...Object.fromEntries(entries)}
}
