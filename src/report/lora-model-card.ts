import type {LoraMergeRecord} from './lora-merge-record'
import {CMAAM_INSTALL_NOTE, frontMatter} from './model-card'
import {toYaml, type YamlValue} from './yaml'

export interface LoraModelCardOptions {
  modelType: string | null
  /** The base's own card, for its license and pipeline tag. */
  baseCard: string | null
  /** `lora merge …` arguments that make this model again. */
  reproduce: string
  /** Whether the base is a Hub repo id (then it is linked). */
  hubBase: boolean
}

/** README.md of a base with a LoRA adapter merged in: Hub front matter (`base_model_relation: finetune`) and the adapter's settings. */
export function buildLoraModelCard(record: LoraMergeRecord, options: LoraModelCardOptions): string {
  const inherited = frontMatter(options.baseCard)
  const front: {[key: string]: YamlValue} = {
    // The Hub links only repo ids: a local base is named in the text instead.
    ...(options.hubBase ? {base_model: record.base} : {}),
    base_model_relation: 'finetune',
    library_name: 'transformers',
    pipeline_tag: inherited.pipeline_tag ?? 'image-text-to-text',
  }
  if (inherited.license) front.license = inherited.license
  front.tags = ['lora', 'peft', 'cmaam', ...(options.modelType ? [options.modelType] : [])]
  const {lora, tensors} = record
  const targets = lora.target_modules === null ? 'every module in the adapter' : typeof lora.target_modules === 'string' ? `\`${lora.target_modules}\`` : lora.target_modules.map((t) => `\`${t}\``).join(', ')
  const base = options.hubBase ? `[${record.base}](https://huggingface.co/${record.base})` : `\`${record.base.split(/[\\/]/).filter(Boolean).pop() ?? record.base}\` (a local model)`
  const patterns = [
    ...Object.entries(lora.rank_pattern).map(([p, v]) => `rank ${v} for \`${p}\``),
    ...Object.entries(lora.alpha_pattern).map(([p, v]) => `alpha ${v} for \`${p}\``),
  ]
  const lines = [
    `# ${record.output.split(/[\\/]/).filter(Boolean).pop() ?? 'model'}`,
    '',
    `${base} with the LoRA adapter \`${record.adapter}\` merged into its weights by cmaam ${record.cmaam_version}: a plain transformers model, no PEFT needed to load it.`,
    '',
    '## Adapter',
    '',
    `- r = ${lora.r}, lora_alpha = ${lora.lora_alpha}${lora.use_rslora ? ', rsLoRA (s = alpha / √r)' : ' (s = alpha / r)'}${lora.fan_in_fan_out ? ', fan_in_fan_out' : ''}`,
    `- target modules: ${targets}`,
    ...(patterns.length > 0 ? [`- per-module overrides: ${patterns.join('; ')}`] : []),
    ...(lora.modules_to_save.length > 0 ? [`- modules saved whole (replace the base's): ${lora.modules_to_save.map((m) => `\`${m}\``).join(', ')}`] : []),
    '',
    `${tensors.updated} tensors updated (W + s·B·A, computed in float32 and rounded once to ${record.dtype === 'keep' ? "each tensor's dtype" : record.dtype}), ${tensors.replaced} replaced, ${tensors.unchanged} unchanged.`,
    '',
    '## Reproduce',
    '',
    CMAAM_INSTALL_NOTE,
    '',
    '```bash',
    `cmaam ${options.reproduce}`,
    '```',
    '',
  ]
  return `---\n${toYaml(front)}---\n\n${lines.join('\n')}`
}
