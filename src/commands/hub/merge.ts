import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command'
import {adapterFlags} from '../../cli/adapter-flags'
import {analysisFlags, hubFlags, mergeOnlyFlags} from '../../cli/merge-flags'
import {configArgv} from '../../cli/config-argv'
import {optionsFromFlags} from '../../cli/options-from-flags'
import {CmaamError} from '../../errors'
import {hubMergeWith} from '../../api/hub-merge'
import type {HubMergeOptions} from '../../api/types'

export default class HubMerge extends BaseCommand {
  static override summary = 'Merge two Hub models and publish the result, with its model card, to a Hub repo.'
  static override description = `Downloads the source and target into the Hugging Face cache (only what a merge reads), merges them as \`cmaam merge\` does, writes the model card (README.md) and a cmaam_config.yaml that \`cmaam merge --config\` replays, creates the --push repo if needed and uploads the folder. Both name the inputs by repo id and commit sha. Without --output the merged model is written to a temporary folder, removed once the upload succeeded; if the upload fails the folder stays and the error says how to retry with \`cmaam hub push\`.`

  static override examples = [
    '<%= config.bin %> hub merge --source me/qwen2vl-ko-vqa --target Qwen/Qwen2-VL-7B-Instruct --push me/qwen2vl-ko-merged',
    '<%= config.bin %> hub merge --config ./mergekit_config.yml --push me/merged',
    '<%= config.bin %> hub merge -s org/ft@v1.0 -t org/base --push me/merged --private --output ./merged --strategy component --component-alpha vision=0.3',
  ]

  static override flags = {
    source: Flags.string({char: 's', description: 'Fine-tuned Hub model, org/name[@revision].'}),
    target: Flags.string({char: 't', description: 'Base Hub model, org/name[@revision].'}),
    config: Flags.string({description: 'Take the merge from a cmaam_config.yaml or a mergekit config (one source); flags given on the command line override its keys.'}),
    push: Flags.string({description: 'Hub repo to publish the merged model to, org/name (created when missing).', required: true}),
    private: Flags.boolean({description: 'Create the --push repo private (an existing repo keeps its visibility).'}),
    'commit-message': Flags.string({description: 'Title of the commit (default: "Merge <source> into <target> with cmaam").'}),
    ...mergeOnlyFlags,
    output: Flags.string({char: 'o', description: 'Keep the merged model in this folder (default: a temporary folder, removed after the upload).'}),
    ...analysisFlags,
    ...adapterFlags,
    ...hubFlags,
  }

  async run(): Promise<void> {
    const parsed = await this.parse(HubMerge)
    let {flags} = parsed
    if (flags.config) {
      const given = new Set(parsed.raw.flatMap((token) => (token.type === 'flag' ? [token.flag] : [])))
      const fromFile = await configArgv(flags.config, given)
      if (fromFile.filter((arg) => arg.startsWith('--source=')).length > 1) {
        throw new CmaamError(`${flags.config} merges several sources; hub merge publishes a merge of one source`, {hint: 'Run `cmaam merge --config` and then `cmaam hub push`.'})
      }
      ;({flags} = await this.parse(HubMerge, [...fromFile, ...this.argv]))
    }
    await this.loadPlugins()
    const result = await hubMergeWith(optionsFromFlags<HubMergeOptions>(flags), this.context(flags))
    if (flags.json) return this.printJson(result)
    if (!flags.quiet && result.output) this.logToStderr(`merged model kept in ${result.output}`)
    this.log(result.url)
  }
}
