import {modelLabels} from './model-labels'
import {resolveModelInput} from '../hub/resolve-model-input'
import {resolveMethods} from '../merge/methods/resolve-methods'
import {runAnalysis, type AnalysisRecord} from '../merge/run-analysis'
import {genericFallbackWarning} from '../report/generic-fallback-warning'
import {adapterOption} from './adapter-option'
import {libraryContext, type RunContext} from './context'
import {analysisSettings} from './options/analysis-settings'
import {deviceOption} from './options/device-option'
import {methodSettings} from './options/method-settings'
import {listOption} from './options/values'
import type {AnalyzeOptions} from './types'

/** The record of `cmaam analyze --json`: Hub models named by repo id, with the commits they resolved to. */
export type AnalyzeRecord = AnalysisRecord & {revisions?: {source?: string; target?: string}}

/**
 * Scores how `source` and `target` line up and the α CMAAM would use, without writing a model:
 * what `cmaam analyze` does, resolving to the record it prints with `--json`.
 */
export function analyze(options: AnalyzeOptions): Promise<AnalyzeRecord> {
  return analyzeWith(options, libraryContext(options))
}

export async function analyzeWith(options: AnalyzeOptions, context: RunContext): Promise<AnalyzeRecord> {
  const refs = listOption(options.source)
  const settings = analysisSettings(options)
  const methods = methodSettings(options)
  // Bad values fail now, not after downloading the models.
  resolveMethods(methods, refs.length)
  const device = await deviceOption(settings.device, context)
  const adapter = await adapterOption(options.adapter)
  const sources = []
  for (const ref of refs) sources.push(await resolveModelInput({ref, settings: context.hub, progress: context.progress}))
  const target = await resolveModelInput({ref: options.target, settings: context.hub, progress: context.progress})
  const analysis = await runAnalysis({...settings, device, sources: sources.map((s) => s.dir), target: target.dir, methods, adapter, progress: context.progress, warn: context.warn})
  const {revisions} = modelLabels(sources, target)
  const record = {...analysis, source: sources[0].label, sources: sources.map((s) => s.label), target: target.label, ...(revisions ? {revisions} : {})}
  if (record.model_type_fallback) context.warn(genericFallbackWarning({model: record.target, reason: record.model_type_reason, unmatched: record.unmatched}))
  return record
}
