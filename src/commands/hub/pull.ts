import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command'
import {hubFlags} from '../../cli/merge-flags'
import {hubPullWith} from '../../api/hub-pull'

export default class HubPull extends BaseCommand {
  static override summary = 'Download what a merge needs from a Hub model into the Hugging Face cache, and print its folder.'
  static override description =
    'Fetches the safetensors weights (the index and its shards, or model.safetensors), config, generation config, tokenizer, processor and chat template files, never pickles, into the cache that huggingface_hub shares (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub). Files already there are not fetched again; interrupted downloads resume. Prints the snapshot folder.'

  static override examples = [
    '<%= config.bin %> hub pull Qwen/Qwen2-VL-2B-Instruct',
    '<%= config.bin %> hub pull llava-hf/llava-1.5-7b-hf@a272c74 --json',
    'HF_HUB_OFFLINE=1 <%= config.bin %> hub pull Qwen/Qwen2-VL-2B-Instruct',
  ]

  static override args = {
    model: Args.string({description: 'Hub repo, org/name[@revision] (a branch, tag or commit).', required: true}),
  }

  static override flags = {...hubFlags}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(HubPull)
    const result = await hubPullWith({model: args.model}, this.context(flags))
    if (flags.json) return this.printJson(result)
    // The path alone on stdout, so that `$(cmaam hub pull org/name)` works.
    this.log(result.path)
  }
}
