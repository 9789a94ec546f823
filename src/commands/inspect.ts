import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command'
import {adapterFlags} from '../cli/adapter-flags'
import {hubFlags} from '../cli/merge-flags'
import {formatBytes} from '../progress/format-bytes'
import {optionsFromFlags} from '../cli/options-from-flags'
import {inspectWith} from '../api/inspect'
import type {InspectOptions} from '../api/types'
import {table} from '../report/format-analysis'
import {COMPONENTS} from '../models/types'

export default class Inspect extends BaseCommand {
  static override summary = 'Show how cmaam classifies a model: component, layer, dtype and shape of every tensor.'
  static override description =
    'Reads only safetensors headers (or model.safetensors.index.json alone when the shards are absent). A Hub model (org/name[@revision]) is read with Range requests, without downloading its weights; the report adds what a merge would download and how much of it is already cached.'

  static override examples = [
    '<%= config.bin %> inspect ./Qwen2-VL-7B-Instruct',
    '<%= config.bin %> inspect ./llava-1.5-7b-hf --json | jq .counts',
    '<%= config.bin %> inspect Qwen/Qwen2-VL-2B-Instruct',
  ]

  static override args = {
    model: Args.string({description: 'Model folder, or Hub repo org/name[@revision].', required: true}),
  }

  static override flags = {
    'model-type': Flags.string({description: 'Adapter to classify with (auto: detect from config.json, then names).', default: 'auto'}),
    ...adapterFlags,
    ...hubFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Inspect)
    await this.loadPlugins()
    const report = await inspectWith(args.model, optionsFromFlags<InspectOptions>(flags), this.context(flags))
    if (flags.json) return this.printJson(report)
    if (flags.quiet) return
    const rows = report.tensors.map((t) => [t.name, t.component, t.layer === null ? '' : String(t.layer), t.dtype ?? '?', t.shape ? `[${t.shape.join(', ')}]` : '?'])
    this.log(table([['tensor', 'component', 'layer', 'dtype', 'shape'], ...rows]).join('\n'))
    this.log(`\nmodel type ${report.model_type} (${report.model_type_reason})${report.from === 'index' ? ' · from model.safetensors.index.json only (shards absent)' : ''}`)
    const params = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : String(n))
    this.log(table([['component', 'tensors', 'parameters'], ...COMPONENTS.map((c) => [c, String(report.counts[c]), report.parameters ? params(report.parameters[c]) : '?'])]).join('\n'))
    if ('hub' in report) {
      const {hub} = report
      this.log(`\nhub        ${hub.repo}@${hub.revision} (commit ${hub.sha}) · ${params(hub.total_parameters)} parameters · ${Object.entries(report.dtypes).map(([dtype, n]) => `${n} ${dtype}`).join(', ')}`)
      this.log(`download   a merge reads ${formatBytes(hub.download_bytes)} in ${hub.files.length} files; ${formatBytes(hub.cached_bytes)} already in the cache`)
    }
  }
}
