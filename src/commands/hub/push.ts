import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command'
import {hubFlags} from '../../cli/merge-flags'
import {hubPushWith} from '../../api/hub-push'

export default class HubPush extends BaseCommand {
  static override summary = 'Upload a merged model folder to a Hub model repo, creating the repo if needed.'
  static override description =
    'Uploads every file of a folder written by `cmaam merge` (weights through Git LFS, the model card, cmaam_config.yaml and reports) in one commit, and prints the repo URL. Refuses a folder that is not a complete model: no config.json, no safetensors weights, an index naming missing shards, or the working folder of an unfinished merge. Needs a token with write access.'

  static override examples = [
    '<%= config.bin %> hub push ./merged me/qwen2vl-ko-merged',
    '<%= config.bin %> hub push ./merged my-org/llava-merged --private --commit-message "CMAAM full, α₀ 0.5"',
  ]

  static override args = {
    dir: Args.string({description: 'Model folder written by `cmaam merge`.', required: true}),
    repo: Args.string({description: 'Hub repo to upload to, org/name (created when missing).', required: true}),
  }

  static override flags = {
    private: Flags.boolean({description: 'Create the repo private (an existing repo keeps its visibility).'}),
    'commit-message': Flags.string({description: 'Title of the commit.', default: 'Upload model merged with cmaam'}),
    ...hubFlags,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(HubPush)
    const result = await hubPushWith({...args, private: flags.private, commitMessage: flags['commit-message']}, this.context(flags))
    if (flags.json) return this.printJson(result)
    this.log(result.url)
  }
}
