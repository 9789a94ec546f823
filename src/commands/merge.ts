import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {analysisFlags, hubFlags, mergeOnlyFlags, mergeSettingsFromFlags, quoteArg, reproduceFlags} from '../cli/merge-flags'
import {formatBytes} from '../report/format-bytes'
import {CmaamError} from '../errors'
import {mergeConfigYaml} from '../hub/merge-config-yaml'
import {modelLabels} from '../hub/model-labels'
import {readMergeConfig} from '../hub/read-merge-config'
import {resolveModelInput} from '../hub/resolve-model-input'
import {resolveOnnxTemplate} from '../hub/resolve-onnx-template'
import {runMerge, type MergeSettings} from '../merge/run-merge'
import {formatAnalysis} from '../report/format-analysis'

export default class Merge extends BaseCommand {
  static override summary = 'Merge a fine-tuned vision-language model (source) into its base (target).'
  static override description = `Streams both checkpoints tensor by tensor: pass 1 gathers the statistics CMAAM needs (skipped by --method linear), pass 2 writes merged = (1 − α)·target + α·source with α per tensor. The output folder gets the weights (sharded safetensors), the target's config/tokenizer/processor files, cmaam_merge_info.json, a README.md model card and cmaam_config.yaml, which --config replays. A model is a folder or a Hub repo, org/name[@revision], downloaded into the Hugging Face cache.`

  static override examples = [
    '<%= config.bin %> merge --source ./qwen2vl-ko-vqa --target ./Qwen2-VL-7B-Instruct --output ./merged --analyze',
    '<%= config.bin %> merge -s ./ft -t ./base -o ./merged-linear --method linear --alpha 0.3',
    '<%= config.bin %> merge -s ./ft -t ./base -o ./merged --strategy component --component-alpha vision=0.3,bridge=0.5 --dtype bf16',
    '<%= config.bin %> merge --source me/qwen2vl-ko-vqa --target Qwen/Qwen2-VL-7B-Instruct --output ./merged',
    '<%= config.bin %> merge --config ./merged/cmaam_config.yaml --output ./merged-again --dtype bf16',
  ]

  static override flags = {
    source: Flags.string({char: 's', description: 'Fine-tuned model (the knowledge to bring in): a folder, or a Hub repo org/name[@revision].'}),
    target: Flags.string({char: 't', description: 'Base model (what the source was fine-tuned from): a folder, or a Hub repo org/name[@revision].'}),
    ...mergeOnlyFlags,
    output: Flags.string({char: 'o', description: 'Folder for the merged model (written elsewhere, moved into place when complete).'}),
    config: Flags.string({description: 'Replay a cmaam_config.yaml (written next to every merged model); flags given on the command line override its keys.'}),
    ...analysisFlags,
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
      const fromFile = Object.entries(config).flatMap(([key, value]) => (given.has(key) || value === false ? [] : [value === true ? `--${key}` : `--${key}=${value}`]))
      ;({flags} = await this.parse(Merge, [...fromFile, ...this.argv]))
    }
    const missing = (['source', 'target', 'output'] as const).filter((name) => !flags[name])
    if (missing.length > 0) {
      throw new CmaamError(`Missing ${missing.map((name) => `--${name}`).join(', ')}`, {
        hint: `Give ${missing.length === 1 ? 'it' : 'them'} on the command line${flags.config ? ` or in ${flags.config}` : ', or replay a merge with --config cmaam_config.yaml --output DIR'}.`,
      })
    }
    const progress = this.progressFor(flags)
    const options = {output: flags.output as string, ...mergeSettingsFromFlags(flags, progress)}
    const hub = () => this.hubSettings(flags)
    const source = await resolveModelInput({ref: flags.source as string, settings: hub, progress})
    const target = await resolveModelInput({ref: flags.target as string, settings: hub, progress})
    const onnx = options.onnx && {...options.onnx, resolved: await resolveOnnxTemplate({ref: options.onnx.ref, dtypes: options.onnx.dtypes, weightsDir: target.dir, settings: hub, progress})}
    const settings: MergeSettings = {
      ...options,
      onnx,
      source: source.dir,
      target: target.dir,
      labels: modelLabels(source, target),
      reproduce: mergeReproduction(flags, {source: source.replay, target: target.replay}),
    }
    const record = await runMerge({...settings, config: mergeConfigYaml({source: source.replay, target: target.replay, settings})})
    if (flags.json) return this.printJson(record)
    if (flags.quiet) return
    const heading = `${record.config.method === 'cmaam' ? `CMAAM (${record.config.strategy})` : `linear α=${record.config.base_alpha}`} · model type ${record.config.model_type} (${record.config.model_type_reason})`
    this.log(formatAnalysis(record.analysis, record.alphas, heading))
    const c = record.compatibility
    this.log(`\ntensors    ${c.merged} merged, ${c.kept_target} kept from target, ${c.target_only} target-only, ${c.source_only} source-only`)
    for (const m of c.shape_mismatches) this.log(`           shape differs, target kept: ${m.name} source [${m.source}] target [${m.target}]`)
    for (const m of c.dtype_mismatches) this.log(`           dtype differs: ${m.name} source ${m.source} target ${m.target}`)
    if (c.nonfinite_tensors.length > 0) this.log(`           NaN/Inf values, left out of the scores: ${c.nonfinite_tensors.join(', ')}`)
    if (record.onnx) this.log(`onnx       ${record.onnx.files.join(', ')} from ${record.onnx.template}`)
    this.log(`wrote      ${record.output} (${record.files.weights.length} shard${record.files.weights.length === 1 ? '' : 's'}, ${formatBytes(record.files.total_size)}) in ${record.timing.seconds.toFixed(1)} s`)
  }
}

/** `merge …` arguments for the model card: the inputs as given and every non-default flag. */
export function mergeReproduction(flags: Record<string, unknown>, names?: {source: string; target: string}): string {
  const defaults = {method: 'cmaam', alpha: '0.5', strategy: 'full', 'base-alpha': '0.5', 'min-alpha': '0.05', 'max-alpha': '0.95', 'model-type': 'auto', compat: 'default', seed: 0, dtype: 'keep', 'shard-size': '5GB', 'onnx-dtype': 'fp32'}
  const inputs = names ?? {source: String(flags.source), target: String(flags.target)}
  const output = String(flags.output ?? flags.push ?? 'merged').split(/[\\/]/).filter(Boolean).pop()
  const rest = reproduceFlags(flags, defaults, ['method', 'alpha', 'strategy', 'base-alpha', 'min-alpha', 'max-alpha', 'component-alpha', 'model-type', 'compat', 'seed', 'dtype', 'shard-size', 'onnx-template', ...(flags['onnx-template'] ? ['onnx-dtype'] : [])])
  const alphaIrrelevant = flags.method !== 'linear' ? rest.replace(/--alpha \S+ ?/, '') : rest
  return `merge --source ${quoteArg(inputs.source)} --target ${quoteArg(inputs.target)} --output ${quoteArg(output ?? 'merged')} ${alphaIrrelevant}`.trim()
}
