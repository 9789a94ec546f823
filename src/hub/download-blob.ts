import {createReadStream} from 'node:fs'
import {open, rename, rm} from 'node:fs/promises'
import {Readable} from 'node:stream'
import type {ReadableStream as WebReadableStream} from 'node:stream/web'
import {setTimeout as delay} from 'node:timers/promises'
import {CmaamError} from '../errors'
import {hasBlobDigest, newBlobHash} from './blob-hash'
import {DEFAULT_RETRY, hubFetch} from './hub-fetch'
import {networkError} from './network-error'
import type {HubRequestContext, RepoFile} from './types'
import {fileSize} from '../io/file-size'

export interface DownloadBlobOptions {
  /** The file's `resolve` URL on the Hub. */
  url: string
  file: RepoFile
  /** Where the verified file goes: `blobs/<etag>`. */
  blobPath: string
  /** cmaam's own partial file (`blobs/<etag>.cmaam.incomplete`), resumed from where an earlier run left it. */
  partialPath: string
  context: HubRequestContext
  /** Called as bytes reach the disk: the file's bytes on disk, and how many of them just came over the network. */
  progress?: (fileBytes: number, transferred: number) => void
}

/**
 * Downloads one file into cmaam's partial file, resuming what an earlier run left there with
 * `Range: bytes=<have>-` and again after every dropped connection; checks its size and digest
 * (sha256 for LFS files, git blob sha1 otherwise) and only then renames it into place. The caller
 * holds the blob's lock. huggingface_hub writes `<blob>.incomplete` under a lock of its own: that
 * file is never touched, and a blob it finished meanwhile is kept once its digest checks out.
 */
export async function downloadBlob(options: DownloadBlobOptions): Promise<void> {
  const {url, file, context, partialPath: incomplete} = options
  const progress = options.progress ?? ((): void => undefined)
  const retry = context.retry ?? DEFAULT_RETRY
  const state = await resumePartial(incomplete, file)
  progress(state.have, 0)

  let failures = 0
  while (state.have < file.size && !state.overrun) {
    // Ranges count bytes of the encoded body: ask for the file as it is stored.
    const headers: Record<string, string> = {'Accept-Encoding': 'identity', ...(state.have > 0 ? {Range: `bytes=${state.have}-`} : {})}
    const response = await hubFetch({url, init: {headers}, context})
    if (state.have > 0 && !resumesAt(response, state.have)) {
      // The server ignored the range (200) or answered another one: start again from the first byte.
      await rm(incomplete, {force: true})
      state.have = 0
      state.hash = newBlobHash(file)
      progress(0, 0)
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined)
        continue
      }
    }
    const before = state.have
    const dropped = await appendBody(response, incomplete, file, state, progress)
    if (context.signal?.aborted) throw context.signal.reason
    if (state.have >= file.size || state.overrun) break

    // The connection dropped, or the body ended early: keep what arrived and ask for the rest.
    failures = state.have > before ? 1 : failures + 1
    if (failures >= retry.attempts) {
      throw networkError(url, dropped ?? new Error(`the connection closed after ${state.have} of ${file.size} bytes`), failures)
    }
    await delay(Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (failures - 1)), undefined, {signal: context.signal}).catch(() => context.signal?.throwIfAborted())
  }
  await placeVerified(options, state)
}

interface PartialState {
  /** Bytes in the partial file, all of them hashed. */
  have: number
  hash: ReturnType<typeof newBlobHash>
  /** The server sent more than the listed size. */
  overrun: boolean
}

/** What an earlier run left in the partial file, hashed so the download resumes after it. */
async function resumePartial(incomplete: string, file: RepoFile): Promise<PartialState> {
  let have = (await fileSize(incomplete)) ?? 0
  if (have > file.size) {
    await rm(incomplete, {force: true})
    have = 0
  }
  const hash = newBlobHash(file)
  if (have > 0) {
    for await (const chunk of createReadStream(incomplete, {end: have - 1})) hash.update(chunk as Buffer)
  }
  return {have, hash, overrun: false}
}

/**
 * Appends the response body to the partial file, hashing as it goes; returns the error that dropped
 * the connection, if one did. A write error (a full disk) is thrown, the partial file removed on ENOSPC.
 */
async function appendBody(
  response: Response,
  incomplete: string,
  file: RepoFile,
  state: PartialState,
  progress: (fileBytes: number, transferred: number) => void,
): Promise<unknown> {
  let dropped: unknown = null
  let writeError: unknown = null
  const handle = await open(incomplete, state.have === 0 ? 'w' : 'a')
  try {
    for await (const chunk of Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)) {
      const bytes = chunk as Buffer
      if (state.have + bytes.length > file.size) {
        state.overrun = true
        break
      }
      try {
        await handle.write(bytes)
      } catch (error) {
        writeError = error
        break
      }
      state.hash.update(bytes)
      state.have += bytes.length
      progress(state.have, bytes.length)
    }
  } catch (error) {
    dropped = error
  } finally {
    await handle.close()
  }
  if (writeError) {
    // A full disk: the partial file only takes space that the user needs back.
    if ((writeError as NodeJS.ErrnoException).code === 'ENOSPC') await rm(incomplete, {force: true})
    throw writeError
  }
  return dropped
}

/** Checks size and digest, then renames the partial file into `blobs/<etag>` (or keeps a blob another program finished). */
async function placeVerified(options: DownloadBlobOptions, state: PartialState): Promise<void> {
  const {file, blobPath, context, partialPath: incomplete} = options
  const digest = state.hash.digest('hex')
  if (state.overrun || digest !== file.etag) {
    await rm(incomplete, {force: true})
    const algorithm = file.lfs ? 'sha256' : 'git blob sha1'
    throw new CmaamError(
      state.overrun
        ? `Download of ${file.path} from ${context.repo} is corrupt: the server sent more than its ${file.size} bytes`
        : `Download of ${file.path} from ${context.repo} is corrupt: its ${algorithm} is ${digest}, expected ${file.etag}`,
      {hint: 'The partial file was removed: run the command again. If this repeats, something between cmaam and the Hub alters downloads.'},
    )
  }
  // Another program (Python's huggingface_hub) may have finished the same blob meanwhile.
  if (await hasBlobDigest(blobPath, file)) await rm(incomplete, {force: true})
  else await rename(incomplete, blobPath)
}

function resumesAt(response: Response, offset: number): boolean {
  const range = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')
  return response.status === 206 && range !== null && Number(range[1]) === offset
}

