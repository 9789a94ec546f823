import {CmaamError} from '../errors'
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
  const sources = []
  for (const ref of listOption(options.source)) sources.push(await resolveModelInput({ref, settings: context.hub, progress: context.progress}))
  const target = await resolveModelInput({ref: options.target, settings: context.hub, progress: context.progress})
  const replay = {sources: sources.map((s) => s.replay), target: target.replay}
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
    reproduce: mergeReproduction(options, replay, placement.named),
  }
  const record = await runMerge({...merge, config: mergeConfigYaml({...replay, settings: merge}), mergekitConfig: mergekitConfigYaml({...replay, settings: merge})})
  return {record, sources, target}
}
