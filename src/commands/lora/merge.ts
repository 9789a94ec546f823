import {deviceFlag} from '../../cli/device-flag'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command'
import {loraMergeWith} from '../../api/lora-merge'
import type {LoraMergeOptions} from '../../api/types'
import {analysisFlags, hubFlags, mergeOnlyFlags} from '../../cli/merge-flags'
import {optionsFromFlags} from '../../cli/options-from-flags'
import {formatBytes} from '../../progress/format-bytes'

export default class LoraMerge extends BaseCommand {
  static override summary = 'Merge a PEFT LoRA adapter into its base model: a plain model folder, no PEFT needed to load it.'
  static override description = `Applies W += s·B·A to every module the adapter targets (s = lora_alpha / r, or lora_alpha / √r with use_rslora; rank_pattern and alpha_pattern override them per module; fan_in_fan_out and embedding adapters transposed), replaces the modules_to_save tensors, and streams the result into a new folder with the base's config and tokenizer files and a model card (base_model_relation: finetune). Products are computed in float32 on onnxruntime and rounded once to each tensor's dtype. The adapter's names may use either on-disk layout of the base (transformers before or after 4.52). To merge an adapter's fine-tune back into its base with CMAAM, give the adapter folder to merge --source instead: nothing is written in between.`

  static override examples = [
    '<%= config.bin %> lora merge --base Qwen/Qwen2-VL-7B-Instruct --adapter ./checkpoint-3000 --output ./qwen2vl-ko-vqa',
    '<%= config.bin %> lora merge -b ./Qwen2-VL-7B-Instruct -a me/qwen2vl-ko-lora -o ./qwen2vl-ko-vqa --dtype bf16',
  ]

  static override flags = {
    base: Flags.string({char: 'b', description: 'The model the adapter was trained on: a folder, or a Hub repo org/name[@revision].', required: true}),
    adapter: Flags.string({char: 'a', description: 'PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors): a folder, or a Hub repo.', required: true}),
    output: mergeOnlyFlags.output,
    dtype: mergeOnlyFlags.dtype,
    'shard-size': mergeOnlyFlags['shard-size'],
    force: mergeOnlyFlags.force,
    'allow-nonfinite': Flags.boolean({description: 'Write the model even if a tensor holds NaN/Inf values.'}),
    threads: analysisFlags.threads,
    device: deviceFlag('Where onnxruntime runs the LoRA products B·A (the result is the same on every device)'),
    ...hubFlags,
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(LoraMerge)
    const record = await loraMergeWith(optionsFromFlags<LoraMergeOptions>(flags), this.context(flags))
    if (flags.json) return this.printJson(record)
    if (flags.quiet) return
    const {lora, tensors} = record
    this.log(`adapter    r=${lora.r} lora_alpha=${lora.lora_alpha}${lora.use_rslora ? ' rsLoRA' : ''} on ${Array.isArray(lora.target_modules) ? lora.target_modules.join(', ') : lora.target_modules ?? 'its modules'}`)
    this.log(`tensors    ${tensors.updated} updated (W + s·B·A), ${tensors.replaced} replaced (modules_to_save), ${tensors.unchanged} unchanged`)
    this.log(`wrote      ${record.output} (${record.files.weights.length} shard${record.files.weights.length === 1 ? '' : 's'}, ${formatBytes(record.files.total_size)}) in ${record.timing.seconds.toFixed(1)} s`)
  }
}
