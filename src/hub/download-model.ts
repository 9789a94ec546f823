import {randomBytes} from 'node:crypto'
import {mkdir, readFile, readlink, rename, rm, writeFile} from 'node:fs/promises'
import {freeBytes} from '../io/output/free-bytes'
import {dirname} from 'node:path'
import {CmaamError} from '../errors'
import {diskFullError} from './disk-full-error'
import {hasBlobDigest} from './blob-hash'
import {downloadBlob} from './download-blob'
import {fetchRepoListing} from './fetch-repo-listing'
import {findCachedModel} from './find-cached-model'
import {isRepoId} from './is-repo-id'
import {isRevision} from './is-revision'
import {linkSnapshotFile} from './link-snapshot-file'
import {parseWeightIndex} from '../io/checkpoint/parse-weight-index'
import {repoCachePaths, type RepoCachePaths} from './repo-cache-paths'
import {runPool} from './run-pool'
import {INDEX_FILE} from '../io/safetensors/names'
import {selectMergeFiles} from './select-merge-files'
import {withBlobLock} from './with-blob-lock'
import type {DownloadedModel, HubRequestContext, HubSettings, RepoFile, RetryOptions, TransferProgress} from './types'
import {fileSize} from '../io/file-size'

const PARALLEL_DOWNLOADS = 4

export interface DownloadModelOptions {
  repo: string
  revision: string
  settings: HubSettings
  progress?: (event: TransferProgress) => void
  signal?: AbortSignal
  retry?: RetryOptions
  /**
   * Picks the files to bring from the repo's listing instead of what a merge reads (e.g. an ONNX
   * template's `onnx/` files); it may throw a CmaamError naming what the repo lacks.
   */
  select?: (paths: string[]) => string[]
}

/**
 * Brings what a merge needs from a Hub repo into the cache, in huggingface_hub's layout
 * (`blobs/<etag>`, `snapshots/<sha>/<path>` as relative symlinks, `refs/<revision>`), so that
 * either tool reuses what the other downloaded. Files already in the cache are not requested;
 * interrupted downloads resume. Offline, it only looks in the cache.
 */
export async function downloadModel(options: DownloadModelOptions): Promise<DownloadedModel> {
  const {repo, revision, settings, signal} = options
  if (!isRepoId(repo) || !isRevision(revision)) {
    throw new CmaamError(`"${repo}@${revision}" is not a valid Hub repo id and revision`, {
      hint: 'Name the model as org/name or org/name@revision.',
    })
  }
  if (settings.offline) return findCachedModel({repo, revision, settings, select: options.select})

  const cache = repoCachePaths(settings.cacheDir, repo)
  // Files this run writes, so that a full disk can be given back their partial downloads.
  const planned: {files: RepoFile[]} = {files: []}
  try {
    const context: HubRequestContext & {revision: string} = {settings, operation: 'download', repo, revision, signal, retry: options.retry}
    const {sha, files: listing} = await fetchRepoListing(context)
    const files = await chooseFiles({options, context, cache, sha, listing, planned})
    planned.files = files
    await transferFiles({options, context, cache, sha, files})
    if (revision !== sha) await writeRef(cache.ref(revision), sha)
    return {dir: cache.snapshot(sha), sha, files: files.map((file) => file.path)}
  } catch (error) {
    throw await cacheWriteError(error, settings.cacheDir, async () => {
      // Only cmaam's own partial files: `<etag>.incomplete` may be a Python download in progress.
      await Promise.all(planned.files.map((file) => rm(cache.partialBlob(file.etag), {force: true})))
      return planned.files.reduce((sum, file) => sum + file.size, 0) - (await bytesOfFinishedBlobs(cache, planned.files))
    })
  }
}

interface DownloadStep {
  options: DownloadModelOptions
  context: HubRequestContext & {revision: string}
  cache: RepoCachePaths
  sha: string
}

/**
 * The files to bring: the caller's selection, or what a merge reads (the index is downloaded first
 * when the weights are sharded, and recorded in `planned`).
 */
async function chooseFiles(step: DownloadStep & {listing: RepoFile[]; planned: {files: RepoFile[]}}): Promise<RepoFile[]> {
  const {options, context, cache, sha, listing, planned} = step
  const byPath = new Map(listing.map((file) => [file.path, file]))
  const source = `${options.repo}@${options.revision}`
  const selection = options.select ? {support: [], weights: options.select(listing.map((file) => file.path)), missing: []} : await selectMergeFiles({
    paths: listing.map((file) => file.path),
    source,
    loadIndex: async () => {
      const index = byPath.get(INDEX_FILE) as RepoFile
      planned.files = [index]
      await ensureFile({file: index, sha, cache, context: {...context, revision: sha, path: INDEX_FILE}})
      return parseWeightIndex(await readFile(cache.pointer(sha, INDEX_FILE), 'utf8'), `${INDEX_FILE} of ${source}`)
    },
  })
  if (selection.missing.length > 0) {
    throw new CmaamError(`${INDEX_FILE} of ${source} lists ${selection.missing.join(', ')}, not in the repo`, {
      code: 'NOT_FOUND',
      hint: 'The repo is incomplete: ask its owner to fix the index or upload the missing shards.',
    })
  }
  return [...selection.support, ...selection.weights].map((path) => byPath.get(path) as RepoFile)
}

/** Downloads the files not yet in the cache, PARALLEL_DOWNLOADS at a time, reporting bytes as they come. */
async function transferFiles(step: DownloadStep & {files: RepoFile[]}): Promise<void> {
  const {options, context, cache, sha, files} = step
  // Stops the other downloads when one fails, as well as when the caller aborts.
  const stop = new AbortController()
  const stopSignal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  // What each file already has on disk: a finished blob, or a partial one to resume.
  const onDisk = new Map<string, number>()
  for (const file of files) onDisk.set(file.path, await bytesInCache(cache, sha, file))
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0)
  let bytes = [...onDisk.values()].reduce((sum, value) => sum + value, 0)
  await checkFreeSpace(options.settings.cacheDir, totalBytes - bytes)

  let transferredBytes = 0
  const report = (file: RepoFile | null): void =>
    options.progress?.({
      phase: 'download',
      file: file?.path ?? null,
      fileBytes: file ? (onDisk.get(file.path) ?? 0) : 0,
      fileTotalBytes: file?.size ?? 0,
      bytes,
      totalBytes,
      transferredBytes,
    })
  report(null)
  await runPool(files, PARALLEL_DOWNLOADS, stop, (file) =>
    ensureFile({
      file,
      sha,
      cache,
      context: {...context, revision: sha, path: file.path, signal: stopSignal},
      onBytes: (fileBytes, transferred) => {
        bytes += fileBytes - (onDisk.get(file.path) ?? 0)
        onDisk.set(file.path, fileBytes)
        transferredBytes += transferred
        report(file)
      },
    }),
  )
}

interface EnsureFileOptions {
  file: RepoFile
  sha: string
  cache: RepoCachePaths
  context: HubRequestContext
  onBytes?: (bytes: number, transferred: number) => void
}

/**
 * Makes `snapshots/<sha>/<path>` point at a complete blob, downloading the blob only when the cache
 * lacks it. A blob found in the cache (another run's, or Python's) is linked only once its digest
 * is the listed etag.
 */
async function ensureFile(options: EnsureFileOptions): Promise<void> {
  const {file, sha, cache, context} = options
  const pointer = cache.pointer(sha, file.path)
  const blob = cache.blob(file.etag)
  if ((await fileSize(pointer)) === file.size && isSnapshotLink(await readlink(pointer).catch(() => null), file.etag)) return options.onBytes?.(file.size, 0)

  await mkdir(dirname(blob), {recursive: true})
  await withBlobLock({path: `${blob}.lock`, signal: context.signal}, async () => {
    // Another run may have finished this blob while we waited for the lock.
    if ((await fileSize(blob)) === file.size && (await hasBlobDigest(blob, file))) return
    const url = `${context.settings.endpoint}/${context.repo}/resolve/${sha}/${file.path.split('/').map(encodeURIComponent).join('/')}`
    await downloadBlob({url, file, blobPath: blob, partialPath: cache.partialBlob(file.etag), context, progress: options.onBytes})
  })
  await linkSnapshotFile({blobPath: blob, pointerPath: pointer})
  options.onBytes?.(file.size, 0)
}

async function bytesInCache(cache: RepoCachePaths, sha: string, file: RepoFile): Promise<number> {
  if ((await fileSize(cache.pointer(sha, file.path))) === file.size) return file.size
  const blob = cache.blob(file.etag)
  if ((await fileSize(blob)) === file.size) return file.size
  return Math.max(0, Math.min((await fileSize(cache.partialBlob(file.etag))) ?? 0, file.size))
}

/** Whether a snapshot file's link target (null: not a link, e.g. a copy where links are not allowed) names this blob. */
function isSnapshotLink(target: string | null, etag: string): boolean {
  return target === null || target.split(/[\\/]/).slice(-2).join('/') === `blobs/${etag}`
}

/**
 * A full disk becomes a message saying how much room the download needs, once the partial files
 * are removed (`cleanUp` removes them and returns the bytes still to download); other file system
 * failures get a message naming the cache. Other errors pass through.
 */
async function cacheWriteError(error: unknown, cacheDir: string, cleanUp: () => Promise<number>): Promise<unknown> {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOSPC') {
    const neededBytes = await cleanUp()
    return diskFullError({dir: cacheDir, neededBytes, freeBytes: (await freeBytes(cacheDir)) ?? undefined})
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new CmaamError(`Cannot write to the Hub cache ${cacheDir} (${code})`, {
      hint: 'Fix its permissions, or set HF_HUB_CACHE (or HF_HOME) to a writable folder.',
      cause: error,
    })
  }
  // Any other failed system call here is the cache's (network failures are CmaamErrors by now).
  if (code !== undefined && (error as NodeJS.ErrnoException).syscall !== undefined) {
    return new CmaamError(`Cannot use the Hub cache ${cacheDir}: ${(error as Error).message}`, {
      hint: 'Check the disk, or set HF_HUB_CACHE (or HF_HOME) to another folder.',
      cause: error,
    })
  }
  return error
}

async function bytesOfFinishedBlobs(cache: RepoCachePaths, files: RepoFile[]): Promise<number> {
  let bytes = 0
  for (const file of files) if ((await fileSize(cache.blob(file.etag))) === file.size) bytes += file.size
  return bytes
}

async function checkFreeSpace(cacheDir: string, neededBytes: number): Promise<void> {
  const free = await freeBytes(cacheDir)
  if (free !== null && free < neededBytes) throw diskFullError({dir: cacheDir, neededBytes, freeBytes: free})
}

async function writeRef(path: string, sha: string): Promise<void> {
  await mkdir(dirname(path), {recursive: true})
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  await writeFile(temporary, sha)
  await rename(temporary, path)
}

