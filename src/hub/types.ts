import type {DType} from '../io/dtype'

/** Where the Hub is, who we are on it, and where its files are cached. */
export interface HubSettings {
  /** Access token, or null to make anonymous requests. Never printed or written anywhere. */
  token: string | null
  /** Base URL of the Hub, without a trailing slash. */
  endpoint: string
  /** The Hub cache (`models--org--name/…`), shared with huggingface_hub. */
  cacheDir: string
  /** Use the cache only and make no request. */
  offline: boolean
  /** A request that receives no byte for this long is dropped and tried again (CMAAM_HUB_IDLE_TIMEOUT, seconds; default 60 s). */
  idleTimeoutMs?: number
}

/** A model argument: a folder on disk, or a Hub repo at a revision. */
export type ModelRef = {kind: 'local'; path: string} | {kind: 'hub'; repo: string; revision: string}

/** How often and how patiently a failed request is tried again. */
export interface RetryOptions {
  /** Tries in all, the first one included. */
  attempts: number
  /** Wait before the second try; each later wait doubles, up to `maxDelayMs`. */
  baseDelayMs: number
  maxDelayMs: number
}

export type {TransferProgress} from '../progress'

export interface DownloadedModel {
  /** The snapshot folder: `<cache>/models--org--name/snapshots/<sha>`. */
  dir: string
  /** The commit the revision resolved to. */
  sha: string
  /** Files of the snapshot that a merge reads, relative to `dir`. */
  files: string[]
}

export interface RemoteTensor {
  name: string
  dtype: DType
  shape: number[]
  /** The file holding the tensor, relative to the repo root. */
  file: string
}

export interface RemoteInspection {
  sha: string
  tensors: RemoteTensor[]
  /** `metadata` of `model.safetensors.index.json`, or null without an index. */
  indexMetadata: Record<string, unknown> | null
  /** The files a merge would download, relative to the repo root. */
  files: string[]
  /** Their total size: what a merge would download with an empty cache. */
  downloadBytes: number
  /** The part of `downloadBytes` already in the local cache. */
  cachedBytes: number
}

export interface PushResult {
  /** The repo's page on the Hub. */
  url: string
  /** The commit created, when the Hub reports it. */
  commitSha?: string
}

/** What a request is for: used to retry it, to authenticate it, and to explain its failure. */
export interface HubRequestContext {
  settings: HubSettings
  operation: 'download' | 'inspect' | 'upload'
  repo: string
  revision?: string
  /** The file concerned, relative to the repo root. */
  path?: string
  signal?: AbortSignal
  retry?: RetryOptions
}

/** A file of a repo at a commit, as the tree listing describes it. */
export interface RepoFile {
  /** Relative to the repo root, with `/` separators. */
  path: string
  size: number
  /** The blob's name in the cache: sha256 for an LFS file, git blob sha1 otherwise. */
  etag: string
  lfs: boolean
}

