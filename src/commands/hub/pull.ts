import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command'
import {hubFlags} from '../../cli/merge-flags'
import {CmaamError} from '../../errors'
import {downloadModel} from '../../hub/download-model'
import {parseModelRef} from '../../hub/parse-model-ref'
import {transferProgressBar} from '../../progress/transfer-progress-bar'

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
    const ref = parseModelRef(args.model)
    if (ref.kind === 'local') throw new CmaamError(`${args.model} is a local folder, not a Hub repo id`, {hint: 'Name the model as org/name or org/name@revision.'})
    const bar = transferProgressBar(this.progressFor(flags), ref.repo)
    const model = await downloadModel({repo: ref.repo, revision: ref.revision, settings: this.hubSettings(flags), progress: bar.update})
    bar.done()
    if (flags.json) return this.printJson({repo: ref.repo, revision: ref.revision, sha: model.sha, path: model.dir, files: model.files})
    // The path alone on stdout, so that `$(cmaam hub pull org/name)` works.
    this.log(model.dir)
  }
}
