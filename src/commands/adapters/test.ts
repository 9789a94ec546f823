import {basename, dirname} from 'node:path'
import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command'
import {hubFlags} from '../../cli/merge-flags'
import {CmaamError} from '../../errors'
import {inspectHubModel} from '../../inspect/inspect-hub-model'
import {parseModelRef} from '../../hub/parse-model-ref'
import {inspectModel} from '../../inspect/inspect-model'
import {testAdapter} from '../../inspect/test-adapter'
import {INDEX_FILE} from '../../io/safetensors/names'
import {adapterByNameOrFile} from '../../models/adapter-by-name-or-file'
import {table} from '../../report/format-analysis'
import {formatUnmatched} from '../../report/format-unmatched'

export default class AdaptersTest extends BaseCommand {
  static override summary = 'Check how an adapter splits a model: tensors per component and tower, layer ranges, and every name it does not recognise.'
  static override description =
    'Reads only names (safetensors headers, model.safetensors.index.json, or a Hub repo’s headers through Range requests). Names that no rule matches count as language by default; names that only a catch-all rule matches are listed too. With --strict the command exits with code 1 when there is any such name, so it can guard an adapter in CI.'

  static override examples = [
    '<%= config.bin %> adapters test ./internvl.yaml ./InternVL2-8B',
    '<%= config.bin %> adapters test generic ./InternVL2-8B/model.safetensors.index.json',
    '<%= config.bin %> adapters test internvl OpenGVLab/InternVL2_5-8B --strict --json',
  ]

  static override args = {
    adapter: Args.string({description: 'Adapter name (see `cmaam adapters list`) or adapter file (JSON or YAML).', required: true}),
    model: Args.string({description: 'Model folder, its model.safetensors.index.json, or Hub repo org/name[@revision].', required: true}),
  }

  static override flags = {
    strict: Flags.boolean({description: 'Exit with code 1 when any name is matched by no rule or only by a catch-all.'}),
    ...hubFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(AdaptersTest)
    await this.loadPlugins()
    const adapter = await adapterByNameOrFile(args.adapter)
    const dir = basename(args.model) === INDEX_FILE ? dirname(args.model) : args.model
    if (args.model.endsWith('.json') && dir === args.model) {
      throw new CmaamError(`${args.model} is not a ${INDEX_FILE}`, {hint: 'Pass a model folder, its model.safetensors.index.json, or a Hub repo id.'})
    }
    const ref = parseModelRef(dir)
    const inspected =
      ref.kind === 'hub'
        ? await inspectHubModel({repo: ref.repo, revision: ref.revision, settings: this.hubSettings(flags), modelType: 'auto', adapter})
        : await inspectModel({dir, modelType: 'auto', adapter})
    const report = {model: args.model, ...testAdapter(adapter, inspected.tensors.map((t) => t.name))}
    const failed = flags.strict && report.unmatched_names.length > 0
    if (flags.json) this.printJson(report)
    else if (!flags.quiet) {
      this.log(`${report.adapter} on ${report.model}: ${report.tensors} tensors`)
      const rows = report.towers.map((t) => [
        t.component,
        t.tower ?? '',
        String(t.tensors),
        t.layers === null ? '' : `${t.layers.first}–${t.layers.last} (${t.layers.count})`,
        t.layers === null || t.layers.missing.length === 0 ? '' : t.layers.missing.join(', '),
      ])
      this.log(table([['component', 'tower', 'tensors', 'layers', 'missing layers'], ...rows]).join('\n'))
      if (report.unmatched_names.length === 0) this.log('\nevery name is matched by a specific rule')
      else {
        this.log(`\n${report.unmatched_names.length} names matched by no rule (counted as language) or only a catch-all: ${formatUnmatched(report.unmatched)}`)
        for (const {name, matched} of report.unmatched_names) this.log(`  ${name}${matched === 'catch-all' ? '   (catch-all)' : ''}`)
      }
    }
    if (failed) {
      throw new CmaamError(`--strict: ${report.unmatched_names.length} names of ${args.model} are not recognised by adapter ${report.adapter}`, {
        hint: 'Add rules for them to the adapter (see docs/adapters.md), then run this again.',
      })
    }
  }
}
