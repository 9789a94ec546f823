import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {adapterFlags} from '../cli/adapter-flags'
import {analysisFlags, hubFlags, mergeOnlyFlags} from '../cli/merge-flags'
import {configArgv} from '../cli/config-argv'
import {optionsFromFlags} from '../cli/options-from-flags'
import {mergeWith} from '../api/merge'
import type {MergeOptions} from '../api/types'
import {formatBytes} from '../progress/format-bytes'
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
    '<%= config.bin %> merge --config ./mergekit_config.yml --output ./merged',
    '<%= config.bin %> merge -s ./ft -t ./base -o ./merged-slerp --method slerp --t \'[0,0.5,1],self_attn=[0,0.3,0.7]\'',
  ]

  static override flags = {
    source: Flags.string({
      char: 's',
      description: 'Fine-tuned model (the knowledge to bring in): a folder, or a Hub repo org/name[@revision], or a PEFT LoRA adapter applied to --target on the fly. Repeat it for several fine-tunes of one base; a text-only LLM is merged into the language model.',
      multiple: true,
    }),
    target: Flags.string({char: 't', description: 'Base model (what the source was fine-tuned from): a folder, or a Hub repo org/name[@revision].'}),
    'target-id': Flags.string({description: 'The Hub id (org/name) of a --target folder, for the model card’s base_model and links.', helpGroup: 'CARD'}),
    'source-id': Flags.string({description: 'The Hub id (org/name) of a --source folder, in --source order (repeatable), for the model card’s base_model and links.', multiple: true, helpGroup: 'CARD'}),
    ...mergeOnlyFlags,
    output: Flags.string({char: 'o', description: 'Folder for the merged model (written elsewhere, moved into place when complete).'}),
    config: Flags.string({description: 'Replay a cmaam_config.yaml (written next to every merged model), or run a mergekit config (mergekit_config.yml: merge_method, base_model, models, parameters); flags given on the command line override its keys.'}),
    ...analysisFlags,
    ...adapterFlags,
    ...hubFlags,
  }

  async run(): Promise<void> {
    const parsed = await this.parse(Merge)
    let {flags} = parsed
    if (flags.config) {
      const given = new Set(parsed.raw.flatMap((token) => (token.type === 'flag' ? [token.flag] : [])))
      ;({flags} = await this.parse(Merge, [...(await configArgv(flags.config, given)), ...this.argv]))
    }
    await this.loadPlugins()
    const record = await mergeWith(optionsFromFlags<MergeOptions>(flags), this.context(flags), flags.config)
    if (flags.json) return this.printJson(record)
    if (flags.quiet) return
    const method = record.config.method === 'cmaam' ? `CMAAM (${record.config.strategy})` : record.config.method === 'linear' ? `linear α=${record.config.base_alpha}` : record.config.method
    const heading = `${method} · model type ${record.config.model_type} (${record.config.model_type_reason})`
    this.log(formatAnalysis(record.analysis, record.alphas, heading, record.config.methods))
    const c = record.compatibility
    this.log(`\ntensors    ${c.merged} merged, ${c.kept_target} kept from target, ${c.kept_source > 0 ? `${c.kept_source} taken from source, ` : ''}${c.target_only} target-only, ${c.source_only} source-only`)
    this.log(`coverage   every input tensor is in the output (merged/kept/copied): ${Object.entries(c.coverage).map(([component, n]) => `${component} ${n.merged}/${n.kept}/${n.copied}`).join(', ')}`)
    for (const m of c.shape_mismatches) this.log(`           shape differs, target kept: ${m.name} source [${m.source}] target [${m.target}]`)
    for (const m of c.dtype_mismatches) this.log(`           dtype differs: ${m.name} source ${m.source} target ${m.target}`)
    if (c.nonfinite_tensors.length > 0) this.log(`           NaN/Inf values, left out of the scores: ${c.nonfinite_tensors.join(', ')}`)
    if (c.missing_in_sources.length > 0) this.log(`           not in every source, target kept: ${c.missing_in_sources.length} tensors, e.g. ${c.missing_in_sources[0]}`)
    for (const t of c.text_sources) this.log(`           ${t.source}: text model, merged into the language model${t.unmapped.length > 0 ? ` (${t.unmapped.length} tensors without a counterpart left out)` : ''}`)
    for (const v of c.vocabulary_rows) this.log(`           vocabulary resized: ${v.name} merged over its first ${v.merged_rows} rows of ${v.target_rows} (source rows ${v.source_rows.join(', ')}); the rest is the target's`)
    if (record.onnx) this.log(`onnx       ${record.onnx.files.join(', ')} from ${record.onnx.template}`)
    this.log(`wrote      ${record.output} (${record.files.weights.length} shard${record.files.weights.length === 1 ? '' : 's'}, ${formatBytes(record.files.total_size)}) in ${record.timing.seconds.toFixed(1)} s`)
  }
}

