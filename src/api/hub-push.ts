import {cardWarning} from '../hub/card-warning'
import {checkModelFolder} from '../hub/check-model-folder'
import {pushFolder} from '../hub/push-folder'
import {transferProgressBar} from '../progress/transfer-progress-bar'
import {libraryContext, type RunContext} from './context'
import type {HubPushOptions} from './types'

/** What `cmaam hub push --json` prints. */
export interface HubPushResult {
  /** The repo's page. */
  url: string
  repo: string
  /** The commit made, or null when the Hub did not name it. */
  commit: string | null
}

/**
 * Uploads a merged model folder to a Hub model repo in one commit, creating the repo if needed:
 * what `cmaam hub push` does. Refuses a folder that is not a complete model.
 */
export function hubPush(options: HubPushOptions): Promise<HubPushResult> {
  return hubPushWith(options, libraryContext(options))
}

export async function hubPushWith(options: HubPushOptions, context: RunContext): Promise<HubPushResult> {
  await checkModelFolder(options.dir)
  const bar = transferProgressBar(context.progress, options.repo)
  const result = await pushFolder({
    dir: options.dir,
    repo: options.repo,
    settings: context.hub(),
    private: options.private ?? false,
    commitMessage: options.commitMessage ?? 'Upload model merged with cmaam',
    progress: bar.update,
  })
  bar.done()
  // Said once the upload went through, so that a refused push stays one error line.
  const warning = await cardWarning(options.dir)
  if (warning) context.warn(warning)
  return {url: result.url, repo: options.repo, commit: result.commitSha ?? null}
}
