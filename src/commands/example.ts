import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {generateExampleWith} from '../api/generate-example'
import type {GenerateExampleOptions} from '../api/types'
import {EXAMPLE_FAMILIES} from '../example/families'

export default class Example extends BaseCommand {
  static override summary = 'Generate small example model pairs (base and fine-tune) to try cmaam on.'
  static override description = 'Deterministic synthetic pairs with the real parameter names, configs and tokenizer files of each family. `<out>/<family>/target` is the base, `<out>/<family>/source` its fine-tune. Qwen2-VL gets the whole pipeline: both models answer questions (their answers are planted) and carry a transformers.js ONNX export, `data/` is a small VQA test set on which they score differently, and `lora/` a PEFT LoRA adapter of the fine-tune; `npm start` runs `cmaam experiment` on it.'

  static override examples = [
    '<%= config.bin %> example --family qwen2vl --out examples && <%= config.bin %> experiment --base examples/qwen2vl/target --finetuned examples/qwen2vl/source --data examples/qwen2vl/data --output examples/qwen2vl/experiment --max-new-tokens 8',
    '<%= config.bin %> example --family llava --out /tmp/pairs && <%= config.bin %> merge -s /tmp/pairs/llava/source -t /tmp/pairs/llava/target -o /tmp/merged --analyze',
  ]

  static override flags = {
    family: Flags.string({description: 'Model family to generate.', options: ['all', ...EXAMPLE_FAMILIES], default: 'all'}),
    out: Flags.string({description: 'Folder to write the pairs into.', default: 'examples'}),
    seed: Flags.integer({description: 'Seed of the generated weights.', default: 0, min: 0}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Example)
    const examples = await generateExampleWith({family: flags.family as GenerateExampleOptions['family'], out: flags.out, seed: flags.seed}, this.context(flags))
    if (flags.json) return this.printJson(examples)
    if (flags.quiet) return
    for (const e of examples) {
      const parts = [['target', e.target], ['source', e.source], ['data', e.data], ['lora', e.lora]].filter(([, path]) => path !== undefined)
      this.log(parts.map(([label, path], i) => `${(i === 0 ? e.family : '').padEnd(16)} ${label!.padEnd(6)} ${path}`).join('\n'))
    }
  }
}
