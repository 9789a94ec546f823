import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {quoteArg} from '../report/quote-arg'
import {CmaamError} from '../errors'
import {runMerge, type MergeSettings} from '../merge/run-merge'
import type {MergeRecord} from '../report/merge-record'
import {isRepoId} from './is-repo-id'
import {mergeConfigYaml} from '../merge/config/merge-config-yaml'
import {modelLabels} from '../api/model-labels'
import {parseModelRef} from './parse-model-ref'
import {pushFolder} from './push-folder'
import {resolveModelInput, type ModelInput} from './resolve-model-input'
import {resolveOnnxTemplate} from '../onnx/resolve-onnx-template'
import {transferProgressBar} from '../progress/transfer-progress-bar'
import type {HubSettings} from './types'

export interface RunHubMergeOptions {
  /** `org/name[@revision]` of the fine-tune and of its base. */
  source: string
  target: string
  /** The repo to publish the merged model to, created when missing. */
  push: string
  private: boolean
  /** Where to keep the merged model; without it, a temporary folder removed after a successful push. */
  output?: string
  commitMessage?: string
  settings: HubSettings
  /** Every other setting of the merge. */
  merge: Omit<MergeSettings, 'sources' | 'target' | 'output' | 'labels' | 'reproduce' | 'config'>
  /** The `cmaam …` arguments that make the merge again, given the inputs pinned to their commits. */
  reproduce: (inputs: {sources: string[]; target: string}) => string
}

export interface HubMergeResult {
  /** The repo's page. */
  url: string
  repo: string
  commitSha?: string
  /** The merged model on disk, or null when it lived in a temporary folder, now removed. */
  output: string | null
  source: ModelInput
  target: ModelInput
  record: MergeRecord
}

/**
 * `cmaam hub merge`: download both models into the Hub cache, merge them, and publish the result
 * with its model card and `cmaam_config.yaml`, which name the inputs by repo id and commit. A
 * failed upload keeps the merged folder and says how to retry.
 */
export async function runHubMerge(options: RunHubMergeOptions): Promise<HubMergeResult> {
  const {settings} = options
  // Checked before downloading gigabytes: the upload would fail anyway.
  if (!isRepoId(options.push)) {
    throw new CmaamError(`--push "${options.push}" is not a valid repo id`, {hint: 'Name the repo to create or update as org/name (or your-user-name/name).'})
  }
  if (!settings.token) {
    throw new CmaamError('Publishing to the Hub requires a token: set HF_TOKEN or pass --token', {
      hint: `Create a token with write access at ${settings.endpoint}/settings/tokens.`,
    })
  }
  if (settings.offline) {
    throw new CmaamError(`Offline mode is on (HF_HUB_OFFLINE): cannot publish to ${options.push}`, {
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

  const progress = options.merge.progress
  const source = await resolveModelInput({ref: options.source, settings: () => settings, progress})
  const target = await resolveModelInput({ref: options.target, settings: () => settings, progress})
  const pinned = {sources: [source.replay], target: target.replay}
  const onnxStep = options.merge.onnx
  const onnx = onnxStep && {...onnxStep, resolved: await resolveOnnxTemplate({ref: onnxStep.ref, dtypes: onnxStep.dtypes, weightsDir: target.dir, settings: () => settings, progress})}

  const temporary = options.output === undefined ? await mkdtemp(join(tmpdir(), 'cmaam-hub-merge-')) : null
  // The folder name becomes the card's title: name it after the published repo.
  const output = options.output ?? join(temporary as string, options.push.split('/')[1])
  let record: MergeRecord
  try {
    record = await runMerge({
      ...options.merge,
      onnx,
      sources: [source.dir],
      target: target.dir,
      output,
      labels: modelLabels([source], target),
      reproduce: options.reproduce(pinned),
      config: mergeConfigYaml({...pinned, settings: {...options.merge, onnx}}),
    })
  } catch (error) {
    if (temporary) await rm(temporary, {recursive: true, force: true})
    throw error
  }

  const bar = transferProgressBar(progress, options.push)
  let pushed
  try {
    pushed = await pushFolder({
      dir: record.output,
      repo: options.push,
      settings,
      private: options.private,
      commitMessage: options.commitMessage ?? `Merge ${source.repo} into ${target.repo} with cmaam`,
      progress: bar.update,
    })
  } catch (error) {
    const retry = `cmaam hub push ${quoteArg(record.output)} ${options.push}${options.private ? ' --private' : ''}`
    const reason = error instanceof Error ? error.message : String(error)
    const hint = error instanceof CmaamError && error.hint ? `${error.hint}\n` : ''
    throw new CmaamError(`The merge succeeded but the upload to ${options.push} failed: ${reason}`, {
      hint: `${hint}The merged model is kept in ${record.output}; to upload it, run: ${retry}`,
      exitCode: error instanceof CmaamError ? error.exitCode : 1,
      cause: error,
    })
  }
  bar.done()
  if (temporary) await rm(temporary, {recursive: true, force: true})
  return {
    url: pushed.url,
    repo: options.push,
    commitSha: pushed.commitSha,
    output: temporary ? null : record.output,
    source,
    target,
    record,
  }
}
