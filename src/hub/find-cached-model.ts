import {readdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {parseWeightIndex} from '../io/checkpoint/parse-weight-index'
import {repoCachePaths} from './repo-cache-paths'
import {isPickleWeights} from '../io/is-pickle-weights'
import {INDEX_FILE} from '../io/safetensors/names'
import {selectMergeFiles} from './select-merge-files'
import type {DownloadedModel, HubSettings} from './types'

const COMMIT_SHA = /^[0-9a-f]{40}$/

export interface FindCachedModelOptions {
  repo: string
  revision: string
  settings: HubSettings
  /** As for downloadModel: the files wanted, from the snapshot's; replaces the merge's selection. */
  select?: (paths: string[]) => string[]
}

/**
 * Offline mode: finds a model in the cache without any request, through `refs/<revision>` or a
 * snapshot named by the sha, and names exactly what is missing when it is incomplete.
 */
export async function findCachedModel(options: FindCachedModelOptions): Promise<DownloadedModel> {
  const {repo, revision, settings} = options
  const cache = repoCachePaths(settings.cacheDir, repo)
  const source = `${repo}@${revision}`
  const hint = `Unset HF_HUB_OFFLINE (and TRANSFORMERS_OFFLINE) to download it; the cache is ${settings.cacheDir}.`

  const sha = COMMIT_SHA.test(revision) ? revision : (await readFile(cache.ref(revision), 'utf8').catch(() => '')).trim()
  const dir = COMMIT_SHA.test(sha) ? cache.snapshot(sha) : null
  if (dir === null || !(await isDirectory(dir))) {
    throw new CmaamError(`Offline mode is on (HF_HUB_OFFLINE) and ${source} is not in the cache`, {code: 'OFFLINE', hint})
  }

  const paths = await listFiles(dir)
  if (options.select) return {dir, sha, files: options.select(paths)}
  const missingAll = (what: string): CmaamError =>
    new CmaamError(`Offline mode is on (HF_HUB_OFFLINE) and the cache of ${source} (${sha}) lacks ${what}`, {code: 'OFFLINE', hint})
  if (!paths.some((path) => path.endsWith('.safetensors') || path === INDEX_FILE || isPickleWeights(path))) {
    throw missingAll(`its weights: model.safetensors, or ${INDEX_FILE} and its shards`)
  }
  const selection = await selectMergeFiles({
    paths,
    source,
    loadIndex: async () => parseWeightIndex(await readFile(join(dir, INDEX_FILE), 'utf8'), `${INDEX_FILE} of ${source}`),
  })
  if (selection.missing.length > 0) throw missingAll(selection.missing.join(', '))
  return {dir, sha, files: [...selection.support, ...selection.weights]}
}

/** Files under `dir`, relative and with `/`; a symlink counts only when its blob is there. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = []
  for (const entry of await readdir(join(dir, prefix), {withFileTypes: true})) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) files.push(...(await listFiles(dir, path)))
    else if (await isFile(join(dir, path))) files.push(path)
  }
  return files
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((stats) => stats.isFile(), () => false)
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((stats) => stats.isDirectory(), () => false)
}
