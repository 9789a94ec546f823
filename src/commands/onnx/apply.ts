import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command'
import {hubFlags} from '../../cli/merge-flags'
import {optionsFromFlags} from '../../cli/options-from-flags'
import {onnxApplyWith} from '../../api/onnx-apply'
import type {OnnxApplyOptions} from '../../api/types'
import {table} from '../../report/format-analysis'

export default class OnnxApply extends BaseCommand {
  static override summary = 'Write safetensors weights (e.g. a merged model) into an ONNX export of the base model, for transformers.js.'
  static override description = `For each ONNX file of the template (onnx/embed_tokens*.onnx, onnx/vision_encoder*.onnx, onnx/decoder_model_merged*.onnx, any other onnx/*.onnx), writes the same graph with every initializer that holds a model parameter replaced by the value from --weights: fp32/fp16 rounded once, q4/q4f16 (MatMulNBits) and q8 (MatMulInteger) re-quantized with the template's own scheme. Initializers are mapped by name, else by the module path of the node that reads them (see docs/onnx.md). The default output is onnx/ inside --weights, next to config.json, so one folder serves transformers and transformers.js; cmaam_onnx_report.json says what was replaced and the largest difference to the checkpoint.`

  static override examples = [
    '<%= config.bin %> onnx apply --weights ./merged --template onnx-community/Qwen2-VL-2B-Instruct --dtype q4,fp16',
    '<%= config.bin %> onnx apply --weights ./merged --template ./Qwen2-VL-2B-Instruct-onnx --dtype all --output ./merged-onnx/onnx',
  ]

  static override flags = {
    weights: Flags.string({description: 'Folder with the safetensors weights to write (e.g. a merged model).', required: true}),
    template: Flags.string({description: 'ONNX export of the same architecture: a folder with onnx/, or a Hub repo org/name[@revision].', required: true}),
    output: Flags.string({char: 'o', description: 'Folder for the ONNX files (default: onnx/ inside --weights); written elsewhere, moved into place when complete.'}),
    dtype: Flags.string({description: 'Precisions to write, by transformers.js file suffix: fp32 (none), fp16 (_fp16), q8 (_quantized), q4 (_q4), q4f16 (_q4f16); comma-separated, or all (what the template has).', default: 'fp32'}),
    'allow-unmapped': Flags.boolean({description: 'Keep the template value of initializers that look like parameters but map to none (listed in the report) instead of failing.'}),
    'model-type': Flags.string({description: 'Adapter that tells vision from language parameters (auto: detect from config.json, then names).', default: 'auto'}),
    force: Flags.boolean({description: 'Replace an existing, non-empty output folder.'}),
    ...hubFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(OnnxApply)
    // Plugin adapters, so that --model-type can name one.
    await this.loadPlugins()
    const report = await onnxApplyWith(optionsFromFlags<OnnxApplyOptions>(flags), this.context(flags))
    if (flags.json) return this.printJson(report)
    if (flags.quiet) return
    const rows = report.files.map((f) => [
      f.file,
      String(f.replaced.by_name),
      String(f.replaced.by_consumer),
      String(f.replaced.tied),
      String(f.twins_split.length),
      String(f.constants),
      String(f.unmapped.length),
      f.max_abs_diff.toExponential(2),
    ])
    this.log(table([['file', 'by name', 'by consumer', 'tied', 'twins split', 'constants', 'unmapped', 'max |Δ|'], ...rows]).join('\n'))
    for (const f of report.files) for (const u of f.unmapped) this.log(`unmapped   ${f.file}: ${u.name} (${u.reason}) kept its template value`)
    if (report.unused_parameters.length > 0) this.log(`\n${report.unused_parameters.length} checkpoint parameter(s) fed no initializer (see cmaam_onnx_report.json)`)
    if (report.copied_files.length > 0) this.log(`copied     ${report.copied_files.join(', ')} from the template into ${flags.weights}`)
    this.log(`wrote      ${report.output} (${report.files.length} file${report.files.length === 1 ? '' : 's'}) in ${report.seconds.toFixed(1)} s`)
  }
}
