import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {alphaOptionsFromFlags, analysisFlags, hubFlags} from '../cli/merge-flags'
import {modelLabels} from '../hub/model-labels'
import {resolveModelInput} from '../hub/resolve-model-input'
import {resolveAlphaOptions} from '../merge/analysis/options'
import {runAnalysis} from '../merge/run-analysis'
import {formatAnalysis} from '../report/format-analysis'

export default class Analyze extends BaseCommand {
  static override summary = 'Score how two models line up and show the α CMAAM would use, without writing a model.'
  static override description = 'One streaming pass over both checkpoints: PDA, GFS and CMBC alignment scores per component, per-layer sensitivities, and the α per component and per layer for the chosen strategy.'

  static override examples = [
    '<%= config.bin %> analyze --source ./qwen2vl-ko-vqa --target ./Qwen2-VL-7B-Instruct',
    '<%= config.bin %> analyze -s ./ft -t ./base --strategy layerwise --json > analysis.json',
  ]

  static override flags = {
    source: Flags.string({char: 's', description: 'Fine-tuned model: a folder, or a Hub repo org/name[@revision]; or a PEFT LoRA adapter, applied to --target on the fly.', required: true}),
    target: Flags.string({char: 't', description: 'Base model: a folder, or a Hub repo org/name[@revision].', required: true}),
    ...analysisFlags,
    ...hubFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Analyze)
    const alpha = alphaOptionsFromFlags(flags)
    // Bad values fail now, not after downloading the models.
    resolveAlphaOptions(alpha)
    const progress = this.progressFor(flags)
    const hub = () => this.hubSettings(flags)
    const source = await resolveModelInput({ref: flags.source, settings: hub, progress})
    const target = await resolveModelInput({ref: flags.target, settings: hub, progress})
    const analysis = await runAnalysis({
      source: source.dir,
      target: target.dir,
      alpha,
      modelType: flags['model-type'],
      compat: flags.compat as 'default' | 'reference',
      seed: flags.seed,
      allowNonfinite: flags['allow-nonfinite'],
      threads: flags.threads,
      progress,
    })
    // Hub models are named by repo id and the commit they resolved to, not by their cache folder.
    const {revisions} = modelLabels(source, target)
    const record = {...analysis, source: source.label, target: target.label, ...(revisions ? {revisions} : {})}
    if (flags.json) return this.printJson(record)
    if (flags.quiet) return
    this.log(formatAnalysis(record.analysis, record.alphas, `CMAAM analysis (${record.config.strategy}) · model type ${record.model_type} (${record.model_type_reason})`))
    const c = record.compatibility
    this.log(`\ntensors    ${c.common_params} common, ${c.source_only} source-only, ${c.target_only} target-only, ${c.shape_mismatches} shape mismatches, ${c.dtype_mismatches} dtype mismatches`)
    if (record.nonfinite_tensors.length > 0) this.log(`left out   ${record.nonfinite_tensors.length} tensors with NaN/Inf values: ${record.nonfinite_tensors.slice(0, 5).join(', ')}`)
  }
}
