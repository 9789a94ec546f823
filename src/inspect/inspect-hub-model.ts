import {readFile} from 'node:fs/promises'
import {CmaamError} from '../errors'
import {classifyTensors, type InspectReport} from './classify-tensors'
import type {ModelTypeAdapter} from '../models/types'
import {hubFetch, MAX_JSON_BYTES} from '../hub/hub-fetch'
import {inspectRemote} from '../hub/inspect-remote'
import {repoCachePaths} from '../hub/repo-cache-paths'
import type {HubSettings} from '../hub/types'
import {parseJson} from '../io/parse-json'

export interface HubInspectReport extends InspectReport {
  hub: {
    repo: string
    revision: string
    sha: string
    /** What a merge would download, relative to the repo root. */
    files: string[]
    /** Their total size, and the part of it already in the local cache. */
    download_bytes: number
    cached_bytes: number
    /** Parameters of every tensor together. */
    total_parameters: number
  }
}

export interface InspectHubModelOptions {
  repo: string
  revision: string
  settings: HubSettings
  /** An adapter name, or `auto`. */
  modelType: string
  /** An adapter from `--adapter FILE`, used instead of detection. */
  adapter?: ModelTypeAdapter
}

/**
 * `cmaam inspect org/name`: the same report as for a folder, from the safetensors headers read
 * with Range requests (no weights downloaded), plus what a merge would download. config.json
 * (a few kB, for the model type) comes from the cache when it is there.
 */
export async function inspectHubModel(options: InspectHubModelOptions): Promise<HubInspectReport> {
  const {repo, revision, settings} = options
  const remote = await inspectRemote({repo, revision, settings})
  if (remote.tensors.length === 0) throw new CmaamError(`No tensors in ${repo}@${revision}`, {code: 'NOT_FOUND', hint: 'Check that the repo holds a model.'})
  const config = options.modelType === 'auto' && options.adapter === undefined && remote.files.includes('config.json') ? await readConfig(options, remote.sha) : null
  const report = classifyTensors({
    entries: remote.tensors.map(({name, dtype, shape}) => ({name, dtype, shape})),
    config,
    modelType: options.modelType,
    adapter: options.adapter,
    from: 'headers',
  })
  const parameters: Record<string, number> = report.parameters ?? {}
  return {
    ...report,
    hub: {
      repo,
      revision,
      sha: remote.sha,
      files: remote.files,
      download_bytes: remote.downloadBytes,
      cached_bytes: remote.cachedBytes,
      total_parameters: Object.values(parameters).reduce((a, b) => a + b, 0),
    },
  }
}

async function readConfig(options: InspectHubModelOptions, sha: string): Promise<Record<string, unknown>> {
  const {repo, settings} = options
  const cached = await readFile(repoCachePaths(settings.cacheDir, repo).pointer(sha, 'config.json'), 'utf8').catch(() => null)
  const where = `config.json of ${repo}@${sha.slice(0, 12)}`
  let text = cached
  if (text === null) {
    const context = {settings, operation: 'inspect' as const, repo, revision: sha, path: 'config.json'}
    const response = await hubFetch({url: `${settings.endpoint}/${repo}/resolve/${sha}/config.json`, context, maxBodyBytes: MAX_JSON_BYTES})
    text = await response.text()
  }
  let value: unknown
  try {
    value = parseJson(text)
  } catch (error) {
    throw new CmaamError(`${where} is not valid JSON: ${(error as Error).message}`, {hint: 'Pass --model-type to skip detection.'})
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CmaamError(`${where} does not hold a JSON object`, {hint: 'Pass --model-type to skip detection.'})
  }
  return value as Record<string, unknown>
}
