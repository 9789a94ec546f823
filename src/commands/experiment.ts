import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {experimentWith} from '../api/experiment'
import type {ExperimentOptions} from '../api/types'
import {analysisFlags, hubFlags, methodFlags} from '../cli/merge-flags'
import {serverFlags} from '../cli/server-flags'
import {optionsFromFlags} from '../cli/options-from-flags'
import {comparisonText} from '../eval/comparison'
import {EVAL_DTYPES} from '../eval/eval-model'
import {deviceFlag} from '../cli/device-flag'
import {stepTime} from '../experiment/write-experiment-report'

export default class Experiment extends BaseCommand {
  static override summary = 'Run the CMAAM experiment end to end: merges, linear baselines, ONNX exports, evaluation, report with charts.'
  static override description = `From a base and its fine-tune (a full checkpoint or the PEFT LoRA adapter the trainer wrote): merges the fine-tune back into the base with CMAAM (the seed's settings by default: --strategy full --base-alpha 0.3), builds linear merges at --linear-alphas, writes an ONNX export of every model through the template, evaluates base, fine-tune and merges on DATA/test.jsonl (and each --extra-data set) with transformers.js (or, with --serve vllm|sglang|llama.cpp|CMD, through a server started for each model from its safetensors folder: no ONNX, no template), and writes report.md (tables, α per component, charts), report.json and charts/*.svg into --output. Every step is recorded in experiment.json: running the command again does only what is missing or what a changed setting affects.`

  static override examples = [
    '<%= config.bin %> experiment --base Qwen/Qwen2-VL-2B-Instruct --finetuned ./lora-adapter --data ./korean_vqa --onnx-template onnx-community/Qwen2-VL-2B-Instruct --output ./experiment',
    '<%= config.bin %> experiment --base ./base --finetuned ./ft --data ./data --output ./exp --linear-alphas 0.3,0.5 --extra-data english=./english/test.jsonl --max-samples 500',
    '<%= config.bin %> experiment --base Qwen/Qwen2-VL-7B-Instruct --finetuned ./adapter --data ./korean_vqa --serve vllm --output ./experiment-7b',
  ]

  static override flags = {
    base: Flags.string({description: 'Base model: a folder or a Hub repo org/name[@revision].', required: true}),
    finetuned: Flags.string({description: 'The fine-tune: a folder, a Hub repo, or a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors).', required: true}),
    data: Flags.string({description: 'Folder with test.jsonl, as `cmaam data prepare` writes it (image paths are relative to it).', required: true}),
    output: Flags.string({char: 'o', description: 'Experiment folder: models/, eval/, charts/, report.md, report.json, experiment.json.', required: true}),
    'onnx-template': Flags.string({description: 'ONNX export of the base (folder or Hub repo, e.g. onnx-community/Qwen2-VL-2B-Instruct); default: the base, when it has onnx/.', exclusive: ['serve']}),
    'linear-alphas': Flags.string({description: 'α of the linear baselines, comma-separated.', default: '0.3,0.5,0.7'}),
    'extra-data': Flags.string({description: 'Another test set to evaluate every model on, NAME=FILE.jsonl (repeatable), e.g. english=./en/test.jsonl.', multiple: true}),
    ...methodFlags,
    ...analysisFlags,
    'base-alpha': Flags.string({description: 'Base merge coefficient α₀ of the CMAAM merge (the seed uses 0.3).', default: '0.3'}),
    'max-samples': Flags.integer({description: 'Evaluate only the first N items of each test set.', min: 1}),
    'max-new-tokens': Flags.integer({description: 'Longest answer, in tokens.', default: 512, min: 1}),
    device: deviceFlag('Where transformers.js runs the models and onnxruntime the merges’ spectra and LoRA products'),
    dtype: Flags.string({description: 'ONNX variant written and evaluated.', options: Object.keys(EVAL_DTYPES), default: 'fp32'}),
    ...serverFlags,
    ...hubFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Experiment)
    const context = this.context(flags)
    const report = await experimentWith(
      {
        ...optionsFromFlags<ExperimentOptions>(flags),
        onStep: (event) =>
          context.notice(event.state === 'running' ? `▸ ${event.id}` : event.state === 'reused' ? `· ${event.id} (done in an earlier run)` : `✓ ${event.id} in ${stepTime(event.seconds ?? 0)}`),
      },
      context,
    )
    if (flags.json) return this.printJson(report)
    if (flags.quiet) return
    for (const result of report.results) this.log(`${result.data}\n${comparisonText(result.metrics)}\n`)
    this.log(`report: ${flags.output}/report.md (charts: ${report.charts.join(', ')})`)
  }
}
