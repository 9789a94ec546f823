import {inspectHubModel, type HubInspectReport} from '../inspect/inspect-hub-model'
import {parseModelRef} from '../hub/parse-model-ref'
import {inspectModel, type InspectReport} from '../inspect/inspect-model'
import {genericFallbackWarning} from '../report/generic-fallback-warning'
import {adapterOption} from './adapter-option'
import {libraryContext, type RunContext} from './context'
import {OPTION_DEFAULTS} from './options/defaults'
import type {InspectOptions} from './types'

/**
 * How cmaam classifies a model (a folder, or a Hub repo read through Range requests, without
 * downloading its weights): what `cmaam inspect` does, resolving to the report it prints with `--json`.
 */
export function inspect(model: string, options: InspectOptions = {}): Promise<InspectReport | HubInspectReport> {
  return inspectWith(model, options, libraryContext(options))
}

export async function inspectWith(model: string, options: InspectOptions, context: RunContext): Promise<InspectReport | HubInspectReport> {
  const adapter = await adapterOption(options.adapter)
  const modelType = options.modelType ?? OPTION_DEFAULTS.modelType
  const ref = parseModelRef(model)
  const report =
    ref.kind === 'hub'
      ? await inspectHubModel({repo: ref.repo, revision: ref.revision, settings: context.hub(), modelType, adapter})
      : await inspectModel({dir: model, modelType, adapter})
  if (report.model_type_fallback) context.warn(genericFallbackWarning({model, reason: report.model_type_reason, unmatched: report.unmatched}))
  return report
}
