import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {adapterFlags} from '../cli/adapter-flags'
import {analysisFlags, hubFlags, mergeOnlyFlags, mergeSettingsFromFlags, reproduceFlags} from '../cli/merge-flags'
import {quoteArg} from '../report/quote-arg'
import {formatBytes} from '../report/format-bytes'
import {CmaamError} from '../errors'
import {mergeConfigYaml} from '../merge/config/merge-config-yaml'
import {modelLabels} from '../hub/model-labels'
import {readMergeConfig} from '../merge/config/read-merge-config'
import {resolveModelInput} from '../hub/resolve-model-input'
import {ADAPTER_FILE, runMerge, type MergeSettings} from '../merge/run-merge'
import {formatAnalysis} from '../report/format-analysis'

export default class Merge extends BaseCommand {
  static override summary = 'Merge a fine-tuned vision-language model (source) into its base (target).'
  static override description = `Streams the checkpoints tensor by tensor: pass 1 gathers the statistics CMAAM needs (only when a method uses CMAAM's α), pass 2 writes each tensor with its component's method — cmaam (merged = (1 − α)·target + α·source with α per tensor), linear, task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs, slerp, model_stock, keep-target or keep-source. Repeat --source to merge several fine-tunes of one base; a source may be a text-only LLM, merged into the target's language model. The output folder gets the weights (sharded safetensors), the target's config/tokenizer/processor files, cmaam_merge_info.json, a README.md model card and cmaam_config.yaml, which --config replays. A model is a folder or a Hub repo, org/name[@revision], downloaded into the Hugging Face cache.`

  static override examples = [
    '<%= config.bin %> merge --source ./qwen2vl-ko-vqa --target ./Qwen2-VL-7B-Instruct --output ./merged --analyze',
    '<%= config.bin %> merge -s ./ft -t ./base -o ./merged-linear --method linear --alpha 0.3',
    '<%= config.bin %> merge -s ./ft -t ./base -o ./merged --strategy component --component-alpha vision=0.3,bridge=0.5 --dtype bf16',
    '<%= config.bin %> merge --source me/qwen2vl-ko-vqa --target Qwen/Qwen2-VL-7B-Instruct --output ./merged',
    '<%= config.bin %> merge -s ./ft -t ./base -o ./merged-ties --method ties,vision=keep-target --density 0.5',
    '<%= config.bin %> merge -s ./math-ft -s ./code-ft -t ./base -o ./merged-dare --method dare_ties --density 0.3 --weights 0.6,0.4 --seed 1',
    '<%= config.bin %> merge -s ./qwen2-7b-math -t ./Qwen2-VL-7B-Instruct -o ./merged-math --method task_arithmetic --alpha-from cmaam',
    '<%= config.bin %> merge --config ./merged/cmaam_config.yaml --output ./merged-again --dtype bf16',
  ]

  static override flags = {
    source: Flags.string({
      char: 's',
      description: 'Fine-tuned model (the knowledge to bring in): a folder, or a Hub repo org/name[@revision]. Repeat it for several fine-tunes of one base; a text-only LLM is merged into the language model.',
      multiple: true,
    }),
    target: Flags.string({char: 't', description: 'Base model (what the source was fine-tuned from): a folder, or a Hub repo org/name[@revision].'}),
    ...mergeOnlyFlags,
    output: Flags.string({char: 'o', description: 'Folder for the merged model (written elsewhere, moved into place when complete).'}),
    config: Flags.string({description: 'Replay a cmaam_config.yaml (written next to every merged model); flags given on the command line override its keys.'}),
    ...analysisFlags,
    ...adapterFlags,
    ...hubFlags,
  }

  async run(): Promise<void> {
    const parsed = await this.parse(Merge)
    let {flags} = parsed
    if (flags.config) {
      // The file's keys become flags, placed before the command line's own, which win: oclif
      // then checks every value as if typed.
      const given = new Set(parsed.raw.flatMap((token) => (token.type === 'flag' ? [token.flag] : [])))
      const config = await readMergeConfig(flags.config)
      const fromFile = Object.entries(config).flatMap(([key, value]) => {
        if (given.has(key)) return []
        if (value === false) return key === 'normalize' ? ['--no-normalize'] : []
        if (value === true) return [`--${key}`]
        return (Array.isArray(value) ? value : [value]).map((item) => `--${key}=${item}`)
      })
      ;({flags} = await this.parse(Merge, [...fromFile, ...this.argv]))
    }
    const missing = (['source', 'target', 'output'] as const).filter((name) => !flags[name] || flags[name]?.length === 0)
    if (missing.length > 0) {
      throw new CmaamError(`Missing ${missing.map((name) => `--${name}`).join(', ')}`, {
        hint: `Give ${missing.length === 1 ? 'it' : 'them'} on the command line${flags.config ? ` or in ${flags.config}` : ', or replay a merge with --config cmaam_config.yaml --output DIR'}.`,
      })
    }
    const progress = this.progressFor(flags)
    const sourceRefs = flags.source as string[]
    const options = {output: flags.output as string, ...mergeSettingsFromFlags(flags, progress, sourceRefs.length, this.noticeFor(flags)), adapter: await this.loadAdapters(flags)}
    const hub = () => this.hubSettings(flags)
    const sources = []
    for (const ref of sourceRefs) sources.push(await resolveModelInput({ref, settings: hub, progress}))
    const target = await resolveModelInput({ref: flags.target as string, settings: hub, progress})
    const replay = {sources: sources.map((s) => s.replay), target: target.replay}
    const settings: MergeSettings = {
      ...options,
      sources: sources.map((s) => s.dir),
      target: target.dir,
      labels: modelLabels(sources, target),
      reproduce: mergeReproduction(flags, replay),
    }
    const record = await runMerge({...settings, config: mergeConfigYaml({...replay, settings})})
    if (flags.json) return this.printJson(record)
    if (flags.quiet) return
    const method = record.config.method === 'cmaam' ? `CMAAM (${record.config.strategy})` : record.config.method === 'linear' ? `linear α=${record.config.base_alpha}` : record.config.method
    const heading = `${method} · model type ${record.config.model_type} (${record.config.model_type_reason})`
    this.log(formatAnalysis(record.analysis, record.alphas, heading, record.config.methods))
    const c = record.compatibility
    this.log(`\ntensors    ${c.merged} merged, ${c.kept_target} kept from target, ${c.target_only} target-only, ${c.source_only} source-only`)
    this.log(`coverage   every input tensor is in the output (merged/kept/copied): ${Object.entries(c.coverage).map(([component, n]) => `${component} ${n.merged}/${n.kept}/${n.copied}`).join(', ')}`)
    for (const m of c.shape_mismatches) this.log(`           shape differs, target kept: ${m.name} source [${m.source}] target [${m.target}]`)
    for (const m of c.dtype_mismatches) this.log(`           dtype differs: ${m.name} source ${m.source} target ${m.target}`)
    if (c.nonfinite_tensors.length > 0) this.log(`           NaN/Inf values, left out of the scores: ${c.nonfinite_tensors.join(', ')}`)
    if (c.missing_in_sources.length > 0) this.log(`           not in every source, target kept: ${c.missing_in_sources.length} tensors, e.g. ${c.missing_in_sources[0]}`)
    for (const t of c.text_sources) this.log(`           ${t.source}: text model, merged into the language model${t.unmapped.length > 0 ? ` (${t.unmapped.length} tensors without a counterpart left out)` : ''}`)
    for (const v of c.vocabulary_rows) this.log(`           vocabulary resized: ${v.name} merged over its first ${v.merged_rows} rows of ${v.target_rows} (source rows ${v.source_rows.join(', ')}); the rest is the target's`)
    this.log(`wrote      ${record.output} (${record.files.weights.length} shard${record.files.weights.length === 1 ? '' : 's'}, ${formatBytes(record.files.total_size)}) in ${record.timing.seconds.toFixed(1)} s`)
  }
}

/** `merge …` arguments for the model card: the inputs as given and every non-default flag. */
export function mergeReproduction(flags: Record<string, unknown>, names?: {sources: string[]; target: string}): string {
  const defaults = {method: 'cmaam', strategy: 'full', 'base-alpha': '0.5', 'min-alpha': '0.05', 'max-alpha': '0.95', 'model-type': 'auto', compat: 'default', seed: 0, dtype: 'keep', 'shard-size': '5GB'}
  const given = flags.source
  const inputs = names ?? {sources: (Array.isArray(given) ? given : [given]).map(String), target: String(flags.target)}
  const output = String(flags.output ?? flags.push ?? 'merged').split(/[\\/]/).filter(Boolean).pop()
  // The card sits beside the adapter definition the merge wrote, not beside the user's file.
  const rest = reproduceFlags({...flags, adapter: flags.adapter === undefined ? undefined : ADAPTER_FILE}, defaults, ['method', 'alpha', 'lambda', 'density', 'gamma', 't', 'weights', 'normalize', 'alpha-from', 'strategy', 'base-alpha', 'min-alpha', 'max-alpha', 'component-alpha', 'model-type', 'adapter', 'compat', 'seed', 'dtype', 'shard-size'])
  const sources = inputs.sources.map((s) => `--source ${quoteArg(s)}`).join(' ')
  const off = flags.normalize === false ? ' --no-normalize' : ''
  return `merge ${sources} --target ${quoteArg(inputs.target)} --output ${quoteArg(output ?? 'merged')} ${rest}${off}`.trim()
}
