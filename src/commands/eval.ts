import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {hubFlags} from '../cli/merge-flags'
import {serverFlags} from '../cli/server-flags'
import {optionsFromFlags} from '../cli/options-from-flags'
import {combineEvaluations, evaluateWith} from '../api/evaluate'
import type {EvaluateOptions} from '../api/types'
import {comparisonText} from '../eval/comparison'
import {EVAL_DTYPES} from '../eval/eval-model'
import {deviceFlag} from '../cli/device-flag'

export default class Eval extends BaseCommand {
  static override summary = 'Evaluate vision-language models on a JSONL test set with transformers.js (ONNX exports) or a serving engine: exact match and contains accuracy.'
  static override description =
    'Each model (a folder with onnx/, e.g. a merge after `cmaam onnx apply`, or a Hub repo such as onnx-community/Qwen2-VL-2B-Instruct) answers every question greedily with its chat template. --endpoint URL asks an OpenAI-compatible server that already serves the model instead; --serve vllm|sglang|llama.cpp|"CMD {model} {port}" starts one per --model (a safetensors folder or Hub repo), waits for it, evaluates and stops it. Writes <model>_results.json, <model>_predictions.jsonl (appended as answers come, so an interrupted run resumes), comparison.json and comparison.md into --output, and prints the comparison. --shard I/N evaluates a deterministic part of the items; --combine merges the shard outputs.'

  static override usage = ['eval -m <model>... -d <data> [-o <output>] [flags]', 'eval --combine <dir>... [-o <output>]']

  static override examples = [
    '<%= config.bin %> eval --model ./merged --model onnx-community/Qwen2-VL-2B-Instruct --data test.jsonl --images ./images',
    '<%= config.bin %> eval --model ./merged --data test.jsonl --max-samples 200 --dtype q4',
    '<%= config.bin %> eval --model ./merged --data test.jsonl --shard $SLURM_ARRAY_TASK_ID/8 --output eval/shard-$SLURM_ARRAY_TASK_ID',
    '<%= config.bin %> eval --combine eval/shard-* --output eval_results',
    '<%= config.bin %> eval --endpoint http://gpu-node:8000/v1 --model Qwen/Qwen2-VL-7B-Instruct --data test.jsonl --concurrency 32',
    '<%= config.bin %> eval --serve vllm --model ./merged --model Qwen/Qwen2-VL-7B-Instruct --data test.jsonl',
    '<%= config.bin %> eval --serve "vllm serve {model} --port {port} --host 127.0.0.1 --tensor-parallel-size 2" --model ./merged --data test.jsonl',
  ]

  static override flags = {
    model: Flags.string({char: 'm', description: 'Model folder with onnx/, or Hub repo org/name[@revision]; repeat to compare models. With --serve: a safetensors folder or Hub repo; with --endpoint: the served model id (optional when the server serves one).', multiple: true}),
    data: Flags.string({char: 'd', description: 'Test set: JSONL in the seed format (messages with image and text parts, optional category and id), or a folder holding test.jsonl.'}),
    images: Flags.string({description: 'Folder image paths are relative to (default: the data file’s folder).'}),
    output: Flags.string({char: 'o', description: 'Folder for results, predictions and the comparison.', default: 'eval_results'}),
    'max-samples': Flags.integer({description: 'Evaluate only the first N items of the data file.', min: 1}),
    'max-new-tokens': Flags.integer({description: 'Longest answer, in tokens.', default: 512, min: 1}),
    device: deviceFlag('Where transformers.js runs the model'),
    dtype: Flags.string({description: 'Which ONNX variant of the export transformers.js runs.', options: Object.keys(EVAL_DTYPES), default: 'fp32'}),
    shard: Flags.string({description: 'Evaluate part I of N (0 ≤ I < N), chosen by item id: e.g. a job array index.'}),
    combine: Flags.string({description: 'Combine the --output folders of finished shard runs into --output (no model is run).', multiple: true, exclusive: ['model', 'data', 'shard', 'images', 'max-samples', 'restart', 'serve']}),
    restart: Flags.boolean({description: 'Discard earlier predictions in --output instead of resuming.'}),
    endpoint: Flags.string({description: 'API base of an OpenAI-compatible server that serves the model, e.g. http://localhost:8000/v1.', exclusive: ['serve', 'combine']}),
    ...serverFlags,
    ...hubFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Eval)
    if (flags.combine) {
      const combined = await combineEvaluations({combine: flags.combine, output: flags.output})
      if (flags.json) return this.printJson(combined)
      if (!flags.quiet) this.log(`${comparisonText(combined.comparison)}\n\nCombined ${combined.models.map((m) => `${m.shards} shards of ${m.model}`).join(', ')} into ${flags.output}`)
      return
    }
    const run = await evaluateWith(optionsFromFlags<EvaluateOptions>(flags), this.context(flags))
    if (flags.json) return this.printJson(run)
    if (flags.quiet) return
    const resumed = run.models.filter((m) => m.resumed > 0).map((m) => `${m.model}: ${m.resumed} of ${m.resumed + m.asked} from earlier predictions`)
    this.log(comparisonText(run.comparison))
    const skipped = run.models.filter((m) => Object.keys(m.metrics.skipped).length > 0).map((m) => `${m.model}: ${Object.entries(m.metrics.skipped).map(([reason, n]) => `${n} ${reason.replace('_', ' ')}`).join(', ')}`)
    this.log(`\n${run.selection.items} items${run.selection.shard ? ` (shard ${run.selection.shard})` : ''} · results in ${flags.output}`)
    if (skipped.length > 0) this.log(`skipped ${skipped.join('; ')}`)
    if (resumed.length > 0) this.log(`resumed ${resumed.join('; ')}`)
  }
}
