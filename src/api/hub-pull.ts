import {CmaamError} from '../errors'
import {downloadModel} from '../hub/download-model'
import {parseModelRef} from '../hub/parse-model-ref'
import {transferProgressBar} from '../progress/transfer-progress-bar'
import {libraryContext, type RunContext} from './context'
import type {HubPullOptions} from './types'

/** What `cmaam hub pull --json` prints. */
export interface HubPullResult {
  repo: string
  revision: string
  /** The commit the revision resolved to. */
  sha: string
  /** The snapshot folder in the Hugging Face cache. */
  path: string
  /** Files of the snapshot a merge reads, relative to `path`. */
  files: string[]
}

/**
 * Downloads what a merge reads from a Hub model (safetensors weights, config, tokenizer and
 * processor files, never pickles) into the Hugging Face cache: what `cmaam hub pull` does.
 */
export function hubPull(options: HubPullOptions): Promise<HubPullResult> {
  return hubPullWith(options, libraryContext(options))
}

export async function hubPullWith(options: HubPullOptions, context: RunContext): Promise<HubPullResult> {
  const ref = parseModelRef(options.model)
  if (ref.kind === 'local') throw new CmaamError(`${options.model} is a local folder, not a Hub repo id`, {hint: 'Name the model as org/name or org/name@revision.'})
  const bar = transferProgressBar(context.progress, ref.repo)
  const model = await downloadModel({repo: ref.repo, revision: ref.revision, settings: context.hub(), progress: bar.update})
  bar.done()
  return {repo: ref.repo, revision: ref.revision, sha: model.sha, path: model.dir, files: model.files}
}
