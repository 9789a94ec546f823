import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command'
import {describeOrigin} from '../../cli/describe-origin'
import {adapterByNameOrFile} from '../../models/adapter-by-name-or-file'

export default class AdaptersShow extends BaseCommand {
  static override summary = 'Show an adapter’s detection values and its rules, in the order they are tried.'
  static override description =
    'Rules are tried bridge → shared → vision → language (rules of one component in their listed order); the first whose match pattern matches the start of a name decides. A rule that accepts any name is marked catch-all. --json prints the definition, which an --adapter file can start from.'

  static override examples = ['<%= config.bin %> adapters show qwen2vl', '<%= config.bin %> adapters show llava --json | jq .definition > my-adapter.json']

  static override args = {
    adapter: Args.string({description: 'Adapter name (see `cmaam adapters list`) or adapter file.', required: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(AdaptersShow)
    await this.loadPlugins()
    const adapter = await adapterByNameOrFile(args.adapter)
    const {definition} = adapter
    if (flags.json) return this.printJson({name: adapter.name, title: adapter.title, origin: adapter.origin, definition})
    if (flags.quiet) return
    this.log(`${adapter.name}: ${adapter.title} (${describeOrigin(adapter.origin)})`)
    this.log(`model types    ${definition.modelTypes.join(', ') || '—'}`)
    this.log(`architectures  ${definition.architectures.join(', ') || '—'}`)
    this.log(`signatures     ${definition.signatures.join('  ') || '—'}`)
    this.log('\nrules, in the order they are tried:')
    adapter.rules.forEach(({index, rule, catchAll}, i) => {
      const extra = [rule.layer === undefined ? '' : `layer ${rule.layer}`, rule.tower === undefined ? '' : `tower ${rule.tower}`, catchAll ? 'catch-all' : ''].filter(Boolean)
      this.log(`${String(i + 1).padStart(3)}. ${rule.component.padEnd(8)} ^${rule.match}${extra.length > 0 ? `   (${extra.join('; ')})` : ''}   [rule ${index + 1}]`)
    })
  }
}
