import {BaseCommand} from '../../cli/base-command'
import {adapterFlags} from '../../cli/adapter-flags'
import {describeOrigin} from '../../cli/describe-origin'
import {listAdapters} from '../../api/adapters'

export default class AdaptersList extends BaseCommand {
  static override summary = 'List the adapters that map parameter names to components: built-in, from plugins, or from a file.'
  static override description =
    'In detection order: a model is matched by config.json model_type, then architectures, then the first adapter whose name signature matches one of its tensors; `generic` is always the last resort. Plugins add adapters through their cmaam:adapters hook (`cmaam plugins install|link`); --adapter adds a file for one run.'

  static override examples = ['<%= config.bin %> adapters list', '<%= config.bin %> adapters list --adapter ./internvl.yaml --json']

  static override flags = {...adapterFlags}

  async run(): Promise<void> {
    const {flags} = await this.parse(AdaptersList)
    await this.loadPlugins()
    const rows = await listAdapters({adapter: flags.adapter})
    if (flags.json) return this.printJson(rows)
    if (flags.quiet) return
    const width = Math.max(...rows.map((r) => r.name.length)) + 2
    for (const r of rows) {
      this.log(`${r.name.padEnd(width)}${r.title} · ${describeOrigin(r.origin)}`)
      if (r.model_types.length > 0) this.log(`${''.padEnd(width)}model_type    ${r.model_types.join(', ')}`)
      if (r.architectures.length > 0) this.log(`${''.padEnd(width)}architectures ${r.architectures.join(', ')}`)
    }
  }
}
