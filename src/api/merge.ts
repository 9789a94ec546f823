import {basename} from 'node:path'
import {CmaamError} from '../errors'
import {isRepoId} from '../hub/is-repo-id'
import {modelLabels} from '../hub/model-labels'
import {resolveModelInput, type ModelInput} from '../hub/resolve-model-input'
import {resolveOnnxTemplate} from '../hub/resolve-onnx-template'
import {mergeConfigYaml} from '../merge/config/merge-config-yaml'
import {runMerge, type MergeSettings} from '../merge/run-merge'
import type {MergeRecord} from '../report/merge-record'
import {adapterOption} from './adapter-option'
import {libraryContext, type RunContext} from './context'
import {mergeReproduction} from './merge-reproduction'
import {deviceOption} from './options/device-option'
import {mergeSettings} from './options/merge-settings'
import {resolveMethods} from '../merge/methods/resolve-methods'
import {listOption} from './options/values'
import type {MergeOptions} from './types'

/**
 * Merges the fine-tune(s) `source` into their base `target` and writes the result to `output`:
 * what `cmaam merge` does, resolving to the record it prints with `--json` (also written as
 * cmaam_merge_info.json). Hub models are downloaded into the Hugging Face cache.
 */
export function merge(options: MergeOptions): Promise<MergeRecord> {
  return mergeWith(options, libraryContext(options))
}

/** `merge` reporting through `context`: the command's terminal, or a library caller's callbacks. */
export async function mergeWith(options: MergeOptions, context: RunContext): Promise<MergeRecord> {
  const sourceRefs = listOption(options.source)
  const missing = (['source', 'target', 'output'] as const).filter((name) => (name === 'source' ? sourceRefs.length === 0 : !options[name]))
  if (missing.length > 0) throw new CmaamError(`Missing ${missing.map((name) => `--${name}`).join(', ')}`, {hint: 'A merge needs its source(s), target and output folder.'})
  const settings = mergeSettings(options, context, sourceRefs.length)
  const device = await deviceOption(settings.device, context)
  const adapter = await adapterOption(options.adapter)
  const sourceIds = listOption(options.sourceId)
  if (sourceIds.length > sourceRefs.length) throw new CmaamError(`--source-id is given ${sourceIds.length} times for ${sourceRefs.length} --source`, {hint: 'Give one --source-id per local --source folder, in --source order.'})
  for (const [flag, id] of [...sourceIds.map((id) => ['--source-id', id]), ['--target-id', options.targetId]] as const) {
    if (id !== undefined && !isRepoId(id)) throw new CmaamError(`${flag} "${id}" is not a Hub model id`, {hint: 'Give the id as org/name, e.g. Qwen/Qwen2-VL-2B-Instruct.'})
  }
  const sources = []
  for (const [i, ref] of sourceRefs.entries()) sources.push(await resolveModelInput({ref, settings: context.hub, progress: context.progress, hubId: sourceIds[i]}))
  const target = await resolveModelInput({ref: options.target, settings: context.hub, progress: context.progress, hubId: options.targetId})
  const replay = {sources: sources.map((s) => s.replay), target: target.replay}
  // The card's "Reproduce" names a local model by its Hub id where one is known, else by its folder's name (never its path).
  const published = (input: ModelInput): string => (input.repo !== undefined ? input.replay : (input.hubId ?? basename(input.dir)))
  const cardInputs = {sources: sources.map(published), target: published(target)}
  const onnx = settings.onnx && {
    ...settings.onnx,
    resolved: await resolveOnnxTemplate({ref: settings.onnx.ref, dtypes: settings.onnx.dtypes, weightsDir: target.dir, settings: context.hub, progress: context.progress}),
  }
  const merge: MergeSettings = {
    ...settings,
    device,
    onnx,
    adapter,
    sources: sources.map((s) => s.dir),
    target: target.dir,
    output: options.output,
    labels: modelLabels(sources, target),
    reproduce: mergeReproduction(options, cardInputs, options.output, resolveMethods(settings, sources.length).needsAnalysis || settings.analyze),
  }
  return runMerge({...merge, config: mergeConfigYaml({...replay, settings: merge})})
}
