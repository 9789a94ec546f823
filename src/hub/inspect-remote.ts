import {readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {readSafetensorsHeader} from '../io/safetensors/read-safetensors-header'
import {parseSafetensorsHeader} from '../io/safetensors/parse-safetensors-header'
import type {SafetensorsHeader} from '../io/safetensors/types'
import {fetchRepoListing} from './fetch-repo-listing'
import {findCachedModel} from './find-cached-model'
import {hubFetch, MAX_JSON_BYTES} from './hub-fetch'
import {isRepoId} from './is-repo-id'
import {isRevision} from './is-revision'
import {parseWeightIndex} from '../io/checkpoint/parse-weight-index'
import {readRemoteRange} from './read-remote-range'
import {repoCachePaths} from './repo-cache-paths'
import {runPool} from './run-pool'
import {INDEX_FILE} from '../io/safetensors/names'
import {selectMergeFiles} from './select-merge-files'
import type {HubRequestContext, HubSettings, RemoteInspection, RemoteTensor, RepoFile, RetryOptions} from './types'
import {headerLengthProblem} from '../io/safetensors/header-length-problem'
import {fileSize} from '../io/file-size'

const PARALLEL_HEADERS = 8

export interface InspectRemoteOptions {
  repo: string
  revision: string
  settings: HubSettings
  signal?: AbortSignal
  retry?: RetryOptions
}

/**
 * Lists the tensors of a Hub model without downloading weights: two Range requests per
 * safetensors file (the 8-byte length, then the JSON header), for one file or every shard of
 * the index. Offline, it reads the same from the cache.
 */
export async function inspectRemote(options: InspectRemoteOptions): Promise<RemoteInspection> {
  const {repo, revision, settings} = options
  if (!isRepoId(repo) || !isRevision(revision)) {
    throw new CmaamError(`"${repo}@${revision}" is not a valid Hub repo id and revision`, {
      hint: 'Name the model as org/name or org/name@revision.',
    })
  }
  if (settings.offline) return inspectCached(options)

  const context: HubRequestContext & {revision: string} = {
    settings,
    operation: 'inspect',
    repo,
    revision,
    signal: options.signal,
    retry: options.retry,
  }
  const {sha, files: listing} = await fetchRepoListing(context)
  const byPath = new Map(listing.map((file) => [file.path, file]))
  const source = `${repo}@${revision}`
  const urlOf = (path: string): string => `${settings.endpoint}/${repo}/resolve/${sha}/${path.split('/').map(encodeURIComponent).join('/')}`
  const selection = await selectMergeFiles({
    paths: listing.map((file) => file.path),
    source,
    loadIndex: async () => {
      const response = await hubFetch({url: urlOf(INDEX_FILE), context: {...context, revision: sha, path: INDEX_FILE}, maxBodyBytes: MAX_JSON_BYTES})
      return parseWeightIndex(await response.text(), `${INDEX_FILE} of ${source}`)
    },
  })
  if (selection.missing.length > 0) {
    throw new CmaamError(`${INDEX_FILE} of ${source} lists ${selection.missing.join(', ')}, not in the repo`, {
      code: 'NOT_FOUND',
      hint: 'The repo is incomplete: ask its owner to fix the index or upload the missing shards.',
    })
  }

  const headers = new Map<string, SafetensorsHeader>()
  const stop = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  await runPool(selection.weights, PARALLEL_HEADERS, stop, async (path) => {
    const file = byPath.get(path) as RepoFile
    const fileContext = {...context, revision: sha, path, signal}
    const where = `${settings.endpoint}/${repo}/blob/${sha}/${path}`
    const tooShort = headerLengthProblem(file.size, null)
    if (tooShort) throw invalid(where, tooShort)
    const length = (await readRemoteRange({url: urlOf(path), start: 0, length: 8, context: fileContext})).readBigUInt64LE(0)
    const problem = headerLengthProblem(file.size, length)
    if (problem) throw invalid(where, problem)
    const json = await readRemoteRange({url: urlOf(path), start: 8, length: Number(length), context: fileContext})
    headers.set(path, parseSafetensorsHeader(json, {path: where, fileSize: file.size, dataOffset: 8 + Number(length)}))
  })

  const wanted = [...selection.support, ...selection.weights].map((path) => byPath.get(path) as RepoFile)
  const cache = repoCachePaths(settings.cacheDir, repo)
  let cachedBytes = 0
  for (const file of wanted) {
    const sizes = await Promise.all(
      [cache.pointer(sha, file.path), cache.blob(file.etag)].map(fileSize),
    )
    if (sizes.includes(file.size)) cachedBytes += file.size
  }
  return {
    sha,
    tensors: collectTensors(selection.weights, headers, source),
    indexMetadata: selection.index?.metadata ?? null,
    files: wanted.map((file) => file.path),
    downloadBytes: wanted.reduce((sum, file) => sum + file.size, 0),
    cachedBytes,
  }
}

async function inspectCached(options: InspectRemoteOptions): Promise<RemoteInspection> {
  const {repo, revision, settings} = options
  const model = await findCachedModel({repo, revision, settings})
  const headers = new Map<string, SafetensorsHeader>()
  const weights = model.files.filter((path) => path.endsWith('.safetensors'))
  for (const path of weights) headers.set(path, await readSafetensorsHeader(join(model.dir, path)))
  const sizes = await Promise.all(model.files.map(async (path) => (await stat(join(model.dir, path))).size))
  const downloadBytes = sizes.reduce((a, b) => a + b, 0)
  const index = model.files.includes(INDEX_FILE)
    ? parseWeightIndex(await readFile(join(model.dir, INDEX_FILE), 'utf8'), `${INDEX_FILE} of ${repo}@${revision}`)
    : null
  return {
    sha: model.sha,
    tensors: collectTensors(weights, headers, `${repo}@${revision}`),
    indexMetadata: index?.metadata ?? null,
    files: model.files,
    downloadBytes,
    cachedBytes: downloadBytes,
  }
}

function collectTensors(files: string[], headers: Map<string, SafetensorsHeader>, source: string): RemoteTensor[] {
  const tensors: RemoteTensor[] = []
  const seen = new Map<string, string>()
  for (const file of files) {
    for (const {name, dtype, shape} of (headers.get(file) as SafetensorsHeader).tensors) {
      const other = seen.get(name)
      if (other !== undefined) {
        throw new CmaamError(`Tensor "${name}" of ${source} is in both ${other} and ${file}`, {
          hint: 'The checkpoint is inconsistent: ask its owner to fix it.',
        })
      }
      seen.set(name, file)
      tensors.push({name, dtype, shape, file})
    }
  }
  return tensors
}

function invalid(where: string, what: string): CmaamError {
  return new CmaamError(`Invalid safetensors file ${where}: ${what}`, {
    hint: 'The file on the Hub is truncated or is not a safetensors file.',
  })
}
