import {resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {EXAMPLE_FAMILIES, type ExampleFamily} from '../example/families'
import {generatePair} from '../example/generate-pair'

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
    const families = flags.family === 'all' ? EXAMPLE_FAMILIES : [flags.family as ExampleFamily]
    const pairs = []
    for (const family of families) {
      const pair = await generatePair({family, dir: resolve(flags.out, family), seed: flags.seed, progress: this.progressFor(flags)})
      pairs.push({family, ...pair})
    }
    if (flags.json) return this.printJson(pairs)
    if (!flags.quiet) for (const p of pairs) this.log(`${p.family.padEnd(16)} target ${p.target}\n${''.padEnd(16)} source ${p.source}`)
  }
}
