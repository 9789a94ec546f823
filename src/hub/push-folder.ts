import {readdir, realpath, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {commitIter, type CommitFile} from '@huggingface/hub'
import {CmaamError} from '../errors'
import {resolveInside} from '../io/paths/resolve-inside'
import {unsafeInputError} from '../io/paths/unsafe-input-error'
import {CountingBlob} from './counting-blob'
import {hubFetch} from './hub-fetch'
import {isRepoId} from './is-repo-id'
import {libraryFetch} from './library-fetch'
import type {HubRequestContext, HubSettings, PushResult, RetryOptions, TransferProgress} from './types'

/** Folders that describe a checkout rather than the model. */
const SKIPPED_DIRS = new Set(['.git', '.cache'])
const DEFAULT_COMMIT_MESSAGE = 'Upload model merged with cmaam'

export interface PushFolderOptions {
  dir: string
  /** `org/name`; created when it does not exist. */
  repo: string
  settings: HubSettings
  /** Visibility of a repo created by this call; an existing repo keeps its own. */
  private?: boolean
  commitMessage?: string
  progress?: (event: TransferProgress) => void
  signal?: AbortSignal
  retry?: RetryOptions
}

interface LocalFile {
  path: string
  absolute: string
  size: number
}

/**
 * Uploads every file of `dir` to the root of a model repo in one commit, creating the repo if
 * needed. Weights go through Git LFS with the basic transfer (a PUT per file, or multipart parts
 * when the Hub asks for them), which every Hub accepts: Xet is not offered.
 */
export async function pushFolder(options: PushFolderOptions): Promise<PushResult> {
  const {repo, settings, signal} = options
  checkCanPush(options)
  const dir = resolve(options.dir)
  const files = await listFolder(dir)
  if (files.length === 0) throw new CmaamError(`Nothing to upload: ${dir} has no files`)

  const context: HubRequestContext = {settings, operation: 'upload', repo, signal, retry: options.retry}
  await createRepo(repo, options.private === true, context)

  const tracker = uploadTracker(files, options.progress)
  const operations: CommitFile[] = files.map((file) => ({operation: 'addOrUpdate', path: file.path, content: pathToFileURL(file.absolute)}))
  let commitSha: string | undefined
  try {
    const iterator = commitIter({
      repo: {type: 'model', name: repo},
      operations,
      title: options.commitMessage ?? DEFAULT_COMMIT_MESSAGE,
      hubUrl: settings.endpoint,
      branch: 'main',
      // The token goes in through the fetch wrapper, which sends it to the Hub's origin only.
      fetch: tracker.countingFetch(libraryFetch(context)),
      abortSignal: signal,
      // Xet needs its own storage service; LFS (basic or multipart) works with every Hub.
      useXet: false,
    })
    for (let next = await iterator.next(); ; next = await iterator.next()) {
      if (next.done) {
        commitSha = next.value?.commit.oid
        break
      }
      tracker.onEvent(next.value)
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason
    if (error instanceof CmaamError) throw error
    throw new CmaamError(`Upload to ${repo} failed: ${messageOf(error)}`, {
      hint: 'Run the command again: files the Hub already has are not sent twice.',
      cause: error,
    })
  }
  tracker.committed()
  return {url: `${settings.endpoint}/${repo}`, commitSha}
}

/** A token, online, and a valid repo id: what an upload needs before anything is sent. */
function checkCanPush(options: PushFolderOptions): void {
  const {repo, settings} = options
  if (!settings.token) {
    throw new CmaamError('Uploading to the Hub requires a token: set HF_TOKEN or pass --token', {
      code: 'AUTH',
      hint: `Create a token with write access at ${settings.endpoint}/settings/tokens.`,
    })
  }
  if (settings.offline) {
    throw new CmaamError(`Offline mode is on (HF_HUB_OFFLINE): cannot upload to ${repo}`, {code: 'OFFLINE', hint: 'Unset HF_HUB_OFFLINE to upload.'})
  }
  if (!isRepoId(repo)) {
    throw new CmaamError(`"${repo}" is not a valid repo id`, {hint: 'Name the repo as org/name (or your-user-name/name).'})
  }
}

type CommitEvent = Exclude<Awaited<ReturnType<ReturnType<typeof commitIter>['next']>>['value'], {commit: unknown} | undefined>

/**
 * The upload's progress: bytes hashed and uploaded per file (from the library's events and from the
 * request bodies fetch reads), and the bytes that crossed the network.
 */
function uploadTracker(files: LocalFile[], progress: PushFolderOptions['progress']) {
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0)
  const sizes = new Map(files.map((file) => [file.path, file.size]))
  const hashed = new Map<string, number>()
  const uploaded = new Map<string, number>()
  const sending = new Map<string, number>()
  let transferredBytes = 0
  const sum = (map: Map<string, number>): number => [...map.values()].reduce((a, b) => a + b, 0)
  const report = (phase: TransferProgress['phase'], file: string | null, bytes: number): void => {
    const fileBytes = file === null ? 0 : ((phase === 'hash' ? hashed : uploaded).get(file) ?? 0)
    const fileTotalBytes = file === null ? 0 : (sizes.get(file) ?? 0)
    progress?.({phase, file, fileBytes, fileTotalBytes, bytes, totalBytes, transferredBytes})
  }
  return {
    // The library passes `progressHint` with each upload request: count the bytes fetch reads from the body.
    countingFetch: (baseFetch: typeof fetch): typeof fetch => (input, init) => {
      const hint = (init as {progressHint?: {path?: string; part?: number}} | undefined)?.progressHint
      if (init?.method !== 'PUT' || !(init.body instanceof Blob) || hint?.path === undefined) return baseFetch(input, init)
      const path = hint.path
      const key = `${path}\0${hint.part ?? ''}`
      return baseFetch(input, {
        ...init,
        body: new CountingBlob(init.body, (read) => {
          transferredBytes += Math.max(0, read - (sending.get(key) ?? 0))
          sending.set(key, read)
          uploaded.set(path, Math.min(sizes.get(path) ?? 0, sumForFile(sending, path)))
          report('upload', path, sum(uploaded))
        }),
      })
    },
    onEvent: (event: CommitEvent): void => {
      if (event.event === 'phase' && event.phase === 'committing') report('commit', null, sum(uploaded))
      if (event.event !== 'fileProgress') return
      const size = sizes.get(event.path) ?? 0
      if (event.state === 'hashing') {
        hashed.set(event.path, event.progress * size)
        report('hash', event.path, sum(hashed))
      } else if (event.state === 'uploading') {
        // Also reported for LFS objects the Hub already has, which need no upload.
        uploaded.set(event.path, Math.max(uploaded.get(event.path) ?? 0, event.progress * size))
        report('upload', event.path, sum(uploaded))
      }
    },
    committed: (): void => {
      // Files that were not hashed were not LFS: they travelled inside the commit request itself.
      transferredBytes += files.reduce((bytes, file) => bytes + (hashed.has(file.path) ? 0 : file.size), 0)
      report('commit', null, totalBytes)
    },
  }
}

function sumForFile(sending: Map<string, number>, path: string): number {
  let bytes = 0
  for (const [key, read] of sending) if (key.startsWith(`${path}\0`)) bytes += read
  return bytes
}

async function createRepo(repo: string, isPrivate: boolean, context: HubRequestContext): Promise<void> {
  const [organization, name] = repo.split('/')
  const response = await hubFetch({
    url: `${context.settings.endpoint}/api/repos/create`,
    init: {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({type: 'model', organization, name, private: isPrivate}),
    },
    context,
    // 409: the repo exists already, which is fine.
    acceptStatus: [409],
  })
  await response.body?.cancel().catch(() => undefined)
}

/**
 * The files under `dir` to upload, relative and with `/`. A symlink is followed only when its
 * target stays inside `dir` (a file linked from elsewhere is never published); a linked folder
 * seen twice on one path is a loop. Both are one UNSAFE_INPUT error.
 */
async function listFolder(dir: string, prefix = '', visiting: string[] = []): Promise<LocalFile[]> {
  const folder = join(dir, prefix)
  let entries: string[]
  let real: string
  try {
    real = await realpath(folder)
    entries = (await readdir(folder)).sort()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') throw unsafeInputError({file: dir, entry: prefix, what: 'folder', why: 'it is a symlink loop'})
    throw new CmaamError(`Cannot read the folder to upload, ${folder} (${code ?? 'unknown error'})`, {
      hint: 'Pass the folder that the merge wrote.',
    })
  }
  if (visiting.includes(real)) throw unsafeInputError({file: dir, entry: prefix, what: 'folder', why: 'it is a symlink loop (it links to a folder that contains it)'})
  const files: LocalFile[] = []
  for (const name of entries) {
    const path = prefix ? `${prefix}/${name}` : name
    const absolute = resolveInside({folder: dir, entry: path, kind: 'any', file: dir, what: 'file to upload'})
    // A dangling link has nothing to upload.
    const stats = await stat(absolute).catch(() => null)
    if (stats === null) continue
    if (stats.isDirectory()) {
      if (!SKIPPED_DIRS.has(name)) files.push(...(await listFolder(dir, path, [...visiting, real])))
    } else if (stats.isFile()) {
      files.push({path, absolute, size: stats.size})
    }
  }
  return files
}

// The library throws Errors, HubApiErrors and occasionally bare strings.
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
