import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {isRepoId} from '../hub/is-repo-id'
import {parseModelRef} from '../hub/parse-model-ref'
import {pushFolder} from '../hub/push-folder'
import type {HubSettings} from '../hub/types'
import {transferProgressBar} from '../progress/transfer-progress-bar'
import {quoteArg} from '../report/quote-arg'
import type {MergeRecord} from '../report/merge-record'
import {libraryContext, type RunContext} from './context'
import {checkMergeOptions, mergeInputs} from './merge'
import type {HubMergeOptions} from './types'

/** What `cmaam hub merge --json` prints. */
export interface HubMergeResult {
  /** The repo's page. */
  url: string
  repo: string
  commit: string | null
  /** The merged model on disk, or null when it lived in a temporary folder, now removed. */
  output: string | null
  source: HubModelPin
  target: HubModelPin
  merge: MergeRecord
}

/** A Hub model as asked for and the commit it resolved to. */
export interface HubModelPin {
  repo?: string
  revision?: string
  sha?: string
}

/**
 * Downloads two Hub models into the cache, merges them as `merge` does and publishes the result
 * with its model card and cmaam_config.yaml, which name the inputs by repo id and commit: what
 * `cmaam hub merge` does. A failed upload keeps the merged folder and says how to retry.
 */
export function hubMerge(options: HubMergeOptions): Promise<HubMergeResult> {
  return hubMergeWith(options, libraryContext(options))
}

export async function hubMergeWith(options: HubMergeOptions, context: RunContext): Promise<HubMergeResult> {
  // Given as flags or by a --config file, so not required by the command's parser.
  const missing = (['source', 'target'] as const).filter((name) => !options[name])
  if (missing.length > 0) throw new CmaamError(`Missing ${missing.map((name) => `--${name}`).join(', ')}`, {hint: 'Give them on the command line or in the --config file.'})
  const checked = await checkMergeOptions(options, context, 1)
  const hub = context.hub()
  // Checked before downloading gigabytes: the upload would fail anyway.
  checkPublishable(options, hub)
  const temporary = options.output === undefined ? await mkdtemp(join(tmpdir(), 'cmaam-hub-merge-')) : null
  // The folder name becomes the card's title: name it after the published repo.
  const output = options.output ?? join(temporary as string, options.push.split('/')[1])
  const removeTemporary = async (): Promise<void> => {
    if (temporary) await rm(temporary, {recursive: true, force: true})
  }
  let merged
  try {
    merged = await mergeInputs(options, checked, {...context, hub: () => hub}, {output, named: options.output ?? options.push})
  } catch (error) {
    await removeTemporary()
    throw error
  }
  const {record, sources, target} = merged
  const pushed = await publishMerge(options, hub, context, record.output, `Merge ${sources[0].repo} into ${target.repo} with cmaam`)
  await removeTemporary()
  const pin = (input: HubModelPin): HubModelPin => ({repo: input.repo, revision: input.revision, sha: input.sha})
  return {url: pushed.url, repo: options.push, commit: pushed.commitSha ?? null, output: temporary ? null : record.output, source: pin(sources[0]), target: pin(target), merge: record}
}

function checkPublishable(options: HubMergeOptions, hub: HubSettings): void {
  if (!isRepoId(options.push)) {
    throw new CmaamError(`--push "${options.push}" is not a valid repo id`, {hint: 'Name the repo to create or update as org/name (or your-user-name/name).'})
  }
  if (!hub.token) {
    throw new CmaamError('Publishing to the Hub requires a token: set HF_TOKEN or pass --token', {
      code: 'AUTH',
      hint: `Create a token with write access at ${hub.endpoint}/settings/tokens.`,
    })
  }
  if (hub.offline) {
    throw new CmaamError(`Offline mode is on (HF_HUB_OFFLINE): cannot publish to ${options.push}`, {
      code: 'OFFLINE',
      hint: 'Unset HF_HUB_OFFLINE, or merge from the cache with `cmaam merge` and push later with `cmaam hub push`.',
    })
  }
  for (const [flag, ref] of [['--source', options.source], ['--target', options.target]]) {
    if (parseModelRef(ref).kind === 'local') {
      throw new CmaamError(`hub merge takes Hub repo ids, but ${flag} ${ref} is a local folder`, {
        hint: 'Merge local folders with `cmaam merge`, then publish the result with `cmaam hub push DIR org/name`.',
      })
    }
  }
}

/** Uploads the merged folder; a failure keeps it and names the `cmaam hub push` that retries. */
async function publishMerge(options: HubMergeOptions, hub: HubSettings, context: RunContext, dir: string, defaultMessage: string): Promise<{url: string; commitSha?: string}> {
  const bar = transferProgressBar(context.progress, options.push)
  try {
    const pushed = await pushFolder({dir, repo: options.push, settings: hub, private: options.private ?? false, commitMessage: options.commitMessage ?? defaultMessage, progress: bar.update})
    bar.done()
    return pushed
  } catch (error) {
    const retry = `cmaam hub push ${quoteArg(dir)} ${options.push}${options.private ? ' --private' : ''}`
    const reason = error instanceof Error ? error.message : String(error)
    const hint = error instanceof CmaamError && error.hint ? `${error.hint}\n` : ''
    throw new CmaamError(`The merge succeeded but the upload to ${options.push} failed: ${reason}`, {
      hint: `${hint}The merged model is kept in ${dir}; to upload it, run: ${retry}`,
      exitCode: error instanceof CmaamError ? error.exitCode : 1,
      code: error instanceof CmaamError ? error.code : 'NETWORK',
      cause: error,
    })
  }
}
