import type {MergeSettings} from '../merge/run-merge'
import {resolveAlphaOptions} from '../merge/analysis/options'
import {toYaml, type YamlValue} from '../report/yaml'
import {CMAAM_VERSION} from '../version'

export interface MergeConfigYamlOptions {
  /** The inputs as a replay should name them: `org/name@<sha>` for Hub models. */
  source: string
  target: string
  settings: Pick<MergeSettings, 'method' | 'linearAlpha' | 'alpha' | 'modelType' | 'compat' | 'seed' | 'dtype' | 'maxShardBytes' | 'analyze' | 'saveAlphas' | 'allowNonfinite' | 'onnx'>
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
  const config: {[key: string]: YamlValue} = {source: options.source, target: options.target, method: settings.method}
  if (settings.method === 'linear') config.alpha = settings.linearAlpha
  config.strategy = alpha.strategy
  config['base-alpha'] = alpha.baseAlpha
  config['min-alpha'] = alpha.minAlpha
  config['max-alpha'] = alpha.maxAlpha
  const components = Object.entries(alpha.componentBaseAlpha).filter((entry): entry is [string, number] => entry[1] !== undefined)
  if (components.length > 0) config['component-alpha'] = Object.fromEntries(components)
  config['model-type'] = settings.modelType
  config.compat = settings.compat
  config.seed = settings.seed
  config.dtype = settings.dtype.toLowerCase()
  config['shard-size'] = settings.maxShardBytes
  // oclif leaves an unset switch undefined.
  config.analyze = Boolean(settings.analyze)
  config['save-alphas'] = Boolean(settings.saveAlphas)
  config['allow-nonfinite'] = Boolean(settings.allowNonfinite)
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
