import {resolveModelInput} from '../hub/resolve-model-input'
import {runLoraMerge} from '../merge/run-lora-merge'
import type {LoraMergeRecord} from '../report/lora-merge-record'
import {quoteArg} from '../report/quote-arg'
import {libraryContext, type RunContext} from './context'
import {OPTION_DEFAULTS} from './options/defaults'
import {deviceOption} from './options/device-option'
import {outputDtypeOption, shardSizeOption} from './options/merge-settings'
import {integerOption} from './options/values'
import type {LoraMergeOptions} from './types'

/** Merges a PEFT LoRA adapter into its base: what `cmaam lora merge` does, resolving to the record it prints with `--json`. */
export function loraMerge(options: LoraMergeOptions): Promise<LoraMergeRecord> {
  return loraMergeWith(options, libraryContext(options))
}

export async function loraMergeWith(options: LoraMergeOptions, context: RunContext): Promise<LoraMergeRecord> {
  const dtype = options.dtype ?? 'keep'
  const shardSize = options.shardSize ?? OPTION_DEFAULTS.shardSize
  const settings = {
    dtype: outputDtypeOption(dtype),
    maxShardBytes: shardSizeOption(shardSize),
    threads: integerOption(options.threads ?? OPTION_DEFAULTS.threads, '--threads', 1),
  }
  const device = await deviceOption(options.device, context)
  const base = await resolveModelInput({ref: options.base, settings: context.hub, progress: context.progress})
  const adapter = await resolveModelInput({ref: options.adapter, settings: context.hub, progress: context.progress})
  const revisions = {...(base.sha ? {base: base.sha} : {}), ...(adapter.sha ? {adapter: adapter.sha} : {})}
  const name = options.output.split(/[\\/]/).filter(Boolean).pop() ?? 'merged'
  const rest = [dtype === 'keep' ? '' : `--dtype ${dtype}`, String(shardSize) === String(OPTION_DEFAULTS.shardSize) ? '' : `--shard-size ${quoteArg(String(shardSize))}`].filter(Boolean).join(' ')
  return runLoraMerge({
    ...settings,
    device,
    base: base.dir,
    adapter: adapter.dir,
    output: options.output,
    labels: {base: base.label, adapter: adapter.label, hubBase: base.repo !== undefined, ...(Object.keys(revisions).length > 0 ? {revisions} : {})},
    force: options.force ?? false,
    allowNonfinite: options.allowNonfinite ?? false,
    progress: context.progress,
    reproduce: `lora merge --base ${quoteArg(base.replay)} --adapter ${quoteArg(adapter.replay)} --output ${quoteArg(name)} ${rest}`.trim(),
  })
}
