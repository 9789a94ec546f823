import {listFiles, modelInfo} from '@huggingface/hub'
import {CmaamError} from '../errors'
import {checkEntry} from '../io/paths/check-entry'
import {checkHexId} from '../io/paths/check-hex-id'
import {libraryFetch} from './library-fetch'
import {redactUrl} from '../redact-url'
import type {HubRequestContext, RepoFile} from './types'

const COMMIT_SHA = /^[0-9a-f]{40}$/
/** The Hub sends 1,000 entries a page: a million files. */
export const MAX_LISTING_PAGES = 1000

export interface RepoListing {
  /** The commit the revision points to. */
  sha: string
  files: RepoFile[]
}

/**
 * Resolves the revision to its commit, then lists every file of that commit with its size and etag,
 * following at most `maxPages` pages (a page link seen twice is an error, not a loop).
 */
export async function fetchRepoListing(context: HubRequestContext & {revision: string}, maxPages = MAX_LISTING_PAGES): Promise<RepoListing> {
  const fetch = libraryFetch(context)
  const hubUrl = context.settings.endpoint
  // The token goes in through libraryFetch, which sends it to the Hub's origin only.
  const info = await modelInfo({name: context.repo, revision: context.revision, hubUrl, fetch, additionalFields: ['sha']})
  const sha = info.sha
  if (typeof sha !== 'string' || !COMMIT_SHA.test(sha)) {
    throw new CmaamError(`The Hub gave no commit sha for ${context.repo}@${context.revision}`, {
      hint: 'Check HF_ENDPOINT: it must point at a Hugging Face Hub.',
    })
  }

  const files: RepoFile[] = []
  for await (const entry of listFiles({repo: context.repo, revision: sha, recursive: true, hubUrl, fetch: pageLimitedFetch(fetch, maxPages, context.repo)})) {
    if (entry.type !== 'file') continue
    const etag = entry.lfs?.oid ?? entry.oid
    if (!etag) {
      throw new CmaamError(`The Hub listed ${entry.path} of ${context.repo} without a hash`, {
        hint: 'Check HF_ENDPOINT: it must point at a Hugging Face Hub.',
      })
    }
    // Paths and etags become file names in the cache: refuse the whole listing over one that could lead elsewhere.
    const listing = `the Hub listing of ${context.repo}@${sha}`
    checkEntry(entry.path, {file: listing, what: 'path'})
    checkHexId(etag, {kind: entry.lfs ? 'sha256' : 'sha1', file: listing, what: `${entry.lfs ? 'LFS oid' : 'oid'} of ${JSON.stringify(entry.path)}`})
    const size = entry.lfs?.size ?? entry.size
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new CmaamError(`${listing}: ${JSON.stringify(entry.path)} has no valid size (${JSON.stringify(size)})`, {
        code: 'UNSAFE_INPUT',
        hint: 'Check HF_ENDPOINT: it must point at a Hugging Face Hub.',
      })
    }
    files.push({path: entry.path, size, etag, lfs: entry.lfs !== undefined})
  }
  return {sha, files}
}

/** The listing's pages are requested through this: it stops a `Link: rel=next` chain that repeats or never ends. */
function pageLimitedFetch(fetch: typeof globalThis.fetch, maxPages: number, repo: string): typeof globalThis.fetch {
  const seen = new Set<string>()
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const hint = 'The server is not a well-behaved Hugging Face Hub: check HF_ENDPOINT.'
    if (seen.has(url)) {
      throw new CmaamError(`The file listing of ${repo} links back to a page it already sent (${redactUrl(url)})`, {code: 'NETWORK', hint})
    }
    if (seen.size >= maxPages) {
      throw new CmaamError(`The file listing of ${repo} goes on for more than ${maxPages} pages`, {code: 'NETWORK', hint})
    }
    seen.add(url)
    return fetch(input, init)
  }
}
