import {CmaamError} from '../errors'
import {modelLabels} from './model-labels'
import {resolveModelInput} from '../hub/resolve-model-input'
import {resolveOnnxTemplate} from '../onnx/resolve-onnx-template'
import {mergeConfigYaml} from '../merge/config/merge-config-yaml'
import {runMerge, type MergeSettings} from '../merge/run-merge'
import type {MergeRecord} from '../report/merge-record'
import {adapterOption} from './adapter-option'
import {libraryContext, type RunContext} from './context'
import {mergeReproduction} from './merge-reproduction'
import {deviceOption} from './options/device-option'
import {mergeSettings} from './options/merge-settings'
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
  const sources = []
  for (const ref of sourceRefs) sources.push(await resolveModelInput({ref, settings: context.hub, progress: context.progress}))
  const target = await resolveModelInput({ref: options.target, settings: context.hub, progress: context.progress})
  const replay = {sources: sources.map((s) => s.replay), target: target.replay}
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
    reproduce: mergeReproduction(options, replay, options.output),
  }
  return runMerge({...merge, config: mergeConfigYaml({...replay, settings: merge})})
}
