import {basename} from 'node:path'
import {CmaamError} from '../errors'
import {isRepoId} from '../hub/is-repo-id'
import {resolveModelInput, type ModelInput} from '../hub/resolve-model-input'
import {resolveOnnxTemplate} from '../onnx/resolve-onnx-template'
import {mergeConfigYaml} from '../merge/config/merge-config-yaml'
import {mergekitConfigYaml} from '../merge/config/mergekit-config-yaml'
import {runMerge, type MergeSettings} from '../merge/run-merge'
import type {MergeRecord} from '../report/merge-record'
import {adapterOption} from './adapter-option'
import {libraryContext, type RunContext} from './context'
import {mergeReproduction} from './merge-reproduction'
import {modelLabels} from './model-labels'
import {deviceOption} from './options/device-option'
import {mergeSettings, type MergeOptionSettings} from './options/merge-settings'
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

/**
 * `merge` reporting through `context`: the command's terminal, or a library caller's callbacks.
 * `configFile` names the cmaam_config.yaml the options were replayed from, in messages.
 */
export async function mergeWith(options: MergeOptions, context: RunContext, configFile?: string): Promise<MergeRecord> {
  requireMergeInputs(options, configFile)
  const checked = await checkMergeOptions(options, context, listOption(options.source).length)
  const {record} = await mergeInputs(options, checked, context, {output: options.output, named: options.output})
  return record
}

/** The one check that a merge has its source(s), target and output folder. */
function requireMergeInputs(options: Partial<Pick<MergeOptions, 'source' | 'target' | 'output'>>, configFile?: string): void {
  const missing = (['source', 'target', 'output'] as const).filter((name) => (name === 'source' ? listOption(options.source ?? []).length === 0 : !options[name]))
  if (missing.length === 0) return
  throw new CmaamError(`Missing ${missing.map((name) => `--${name}`).join(', ')}`, {
    hint: `Give ${missing.length === 1 ? 'it' : 'them'} on the command line${configFile ? ` or in ${configFile}` : ', or replay a merge with --config cmaam_config.yaml --output DIR'}.`,
  })
}

/** A merge's settings, checked, with its device and adapter resolved: before any model is downloaded or read. */
export interface CheckedMergeOptions {
  settings: MergeOptionSettings
  device: MergeSettings['device']
  adapter: MergeSettings['adapter']
}

export async function checkMergeOptions(options: Omit<MergeOptions, 'source' | 'target' | 'output'>, context: RunContext, sourceCount: number): Promise<CheckedMergeOptions> {
  const settings = mergeSettings(options, context, sourceCount)
  return {settings, device: await deviceOption(settings.device, context), adapter: await adapterOption(options.adapter)}
}

/** A merge done: its record and the models it read. */
export interface MergedInputs {
  record: MergeRecord
  sources: ModelInput[]
  target: ModelInput
}

/**
 * Brings the inputs (Hub models into the cache), resolves the ONNX template and merges into
 * `placement.output`; `placement.named` is the output the model card's command line names.
 */
export async function mergeInputs(
  options: Pick<MergeOptions, 'source' | 'target'> & Omit<MergeOptions, 'output' | 'source' | 'target'>,
  checked: CheckedMergeOptions,
  context: RunContext,
  placement: {output: string; named: string},
): Promise<MergedInputs> {
  const {settings} = checked
  const sourceRefs = listOption(options.source)
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
    device: checked.device,
    onnx,
    adapter: checked.adapter,
    sources: sources.map((s) => s.dir),
    target: target.dir,
    output: placement.output,
    labels: modelLabels(sources, target),
    reproduce: mergeReproduction(options, cardInputs, placement.named, resolveMethods(settings, sources.length).needsAnalysis || settings.analyze),
  }
  const record = await runMerge({...merge, config: mergeConfigYaml({...replay, settings: merge}), mergekitConfig: mergekitConfigYaml({...replay, settings: merge})})
  return {record, sources, target}
}
