import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {adapterFlags} from '../cli/adapter-flags'
import {analysisFlags, hubFlags, methodFlags} from '../cli/merge-flags'
import {optionsFromFlags} from '../cli/options-from-flags'
import {analyzeWith} from '../api/analyze'
import type {AnalyzeOptions} from '../api/types'
import {formatAnalysis} from '../report/format-analysis'

export default class Analyze extends BaseCommand {
  static override summary = 'Score how two models line up and show the α CMAAM would use, without writing a model.'
  static override description = 'One streaming pass over both checkpoints: PDA, GFS and CMBC alignment scores per component, per-layer sensitivities, the α per component and per layer for the chosen strategy, and the merge method each component would get from --method.'

  static override examples = [
    '<%= config.bin %> analyze --source ./qwen2vl-ko-vqa --target ./Qwen2-VL-7B-Instruct',
    '<%= config.bin %> analyze -s ./ft -t ./base --strategy layerwise --json > analysis.json',
  ]

  static override flags = {
    source: Flags.string({
      char: 's',
      description: 'Fine-tuned model: a folder, or a Hub repo org/name[@revision], or a PEFT LoRA adapter applied to --target on the fly. Repeatable (for the methods that merge several); the analysis compares the first with the target.',
      required: true,
      multiple: true,
    }),
    target: Flags.string({char: 't', description: 'Base model: a folder, or a Hub repo org/name[@revision].', required: true}),
    ...methodFlags,
    ...analysisFlags,
    ...adapterFlags,
    ...hubFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Analyze)
    await this.loadPlugins()
    const record = await analyzeWith(optionsFromFlags<AnalyzeOptions>(flags), this.context(flags))
    if (flags.json) return this.printJson(record)
    if (flags.quiet) return
    this.log(formatAnalysis(record.analysis, record.alphas, `CMAAM analysis (${record.config.strategy}) · model type ${record.model_type} (${record.model_type_reason})`, record.methods))
    const c = record.compatibility
    this.log(`\ntensors    ${c.common_params} common, ${c.source_only} source-only, ${c.target_only} target-only, ${c.shape_mismatches} shape mismatches, ${c.dtype_mismatches} dtype mismatches`)
    if (record.nonfinite_tensors.length > 0) this.log(`left out   ${record.nonfinite_tensors.length} tensors with NaN/Inf values: ${record.nonfinite_tensors.slice(0, 5).join(', ')}`)
  }
}
