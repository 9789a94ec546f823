import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {generateExampleWith} from '../api/generate-example'
import type {GenerateExampleOptions} from '../api/types'
import {EXAMPLE_FAMILIES} from '../example/families'

export default class Example extends BaseCommand {
  static override summary = 'Generate small example model pairs (base and fine-tune) to try cmaam on.'
  static override description = 'Deterministic synthetic pairs with the real parameter names, configs and tokenizer files of each family. `<out>/<family>/target` is the base, `<out>/<family>/source` its fine-tune.'

  static override examples = [
    '<%= config.bin %> example --out examples',
    '<%= config.bin %> example --family llava --out /tmp/pairs && <%= config.bin %> merge -s /tmp/pairs/llava/source -t /tmp/pairs/llava/target -o /tmp/merged --analyze',
  ]

  static override flags = {
    family: Flags.string({description: 'Model family to generate.', options: ['all', ...EXAMPLE_FAMILIES], default: 'all'}),
    out: Flags.string({description: 'Folder to write the pairs into.', default: 'examples'}),
    seed: Flags.integer({description: 'Seed of the generated weights.', default: 0, min: 0}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Example)
    const pairs = await generateExampleWith({family: flags.family as GenerateExampleOptions['family'], out: flags.out, seed: flags.seed}, this.context(flags))
    if (flags.json) return this.printJson(pairs)
    if (!flags.quiet) for (const p of pairs) this.log(`${p.family.padEnd(16)} target ${p.target}\n${''.padEnd(16)} source ${p.source}`)
  }
}
