import {resolve} from 'node:path'
import {CmaamError} from '../errors'
import {silentProgress, type ProgressFactory} from '../progress'
import {downloadModel} from './download-model'
import {localHubId} from './local-hub-id'
import {parseModelRef} from './parse-model-ref'
import {repoOfCachePath} from './repo-of-cache-path'
import {transferProgressBar} from '../progress/transfer-progress-bar'
import type {HubSettings} from './types'

/** A model argument made ready to read: its folder, and how reports should name it. */
export interface ModelInput {
  /** The folder to read: the argument itself, or the Hub cache snapshot it resolved to. */
  dir: string
  /** How reports and the model card name it: the folder as given, or the repo id. */
  label: string
  /** How a command that makes the merge again names it: the folder as given, or `org/name@<sha>`. */
  replay: string
  /** Set for a Hub model only. */
  repo?: string
  /** The Hub id a card may list in `base_model`: the repo, an HF-cache snapshot's repo, the id given for a folder, or the one the folder names for itself; absent when none is known. */
  hubId?: string
  /** The revision asked for (`main` by default). */
  revision?: string
  /** The commit sha the revision resolved to. */
  sha?: string
}

export interface ResolveModelInputOptions {
  /** A folder, or `org/name[@revision]`. */
  ref: string
  /** Called only for a Hub reference, so that a local merge never reads the token file or HF_ENDPOINT. */
  settings: () => HubSettings
  progress?: ProgressFactory
  /** Picks the files to download from the repo's (default: what a merge reads); see downloadModel. */
  select?: (paths: string[]) => string[]
  /** The Hub id of a local folder, as the user gave it (`--target-id`, `--source-id`). */
  hubId?: string
}

/**
 * Accepts a model wherever cmaam takes one: a local folder is used as it is; a Hub repo is brought
 * into the Hugging Face cache (only what a merge reads) and its snapshot folder is returned.
 */
export async function resolveModelInput(options: ResolveModelInputOptions): Promise<ModelInput> {
  const ref = parseModelRef(options.ref)
  if (ref.kind === 'local') {
    const cached = repoOfCachePath(ref.path)
    if (cached) return {dir: ref.path, label: cached.repo, replay: `${cached.repo}@${cached.sha}`, repo: cached.repo, sha: cached.sha, hubId: cached.repo}
    const hubId = options.hubId ?? (await localHubId(ref.path)) ?? undefined
    return {dir: ref.path, label: options.ref, replay: options.ref, ...(hubId ? {hubId} : {})}
  }
  const bar = transferProgressBar(options.progress ?? silentProgress, ref.repo)
  const model = await downloadModel({
    repo: ref.repo,
    revision: ref.revision,
    settings: options.settings(),
    progress: bar.update,
    select: options.select,
  }).catch((error: unknown) => {
    // "org/name" could have been a mistyped folder too: say that no such folder exists either.
    if (!(error instanceof CmaamError)) throw error
    throw new CmaamError(`${error.message} (and there is no folder ${resolve(options.ref)})`, {code: error.code, exitCode: error.exitCode, hint: error.hint, cause: error})
  })
  bar.done()
  return {dir: model.dir, label: ref.repo, replay: `${ref.repo}@${model.sha}`, repo: ref.repo, revision: ref.revision, sha: model.sha, hubId: ref.repo}
}
