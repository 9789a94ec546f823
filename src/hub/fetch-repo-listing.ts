import {listFiles, modelInfo} from '@huggingface/hub'
import {CmaamError} from '../errors'
import {libraryFetch} from './library-fetch'
import type {HubRequestContext, RepoFile} from './types'

const COMMIT_SHA = /^[0-9a-f]{40}$/

export interface RepoListing {
  /** The commit the revision points to. */
  sha: string
  files: RepoFile[]
}

/** Resolves the revision to its commit, then lists every file of that commit with its size and etag. */
export async function fetchRepoListing(context: HubRequestContext & {revision: string}): Promise<RepoListing> {
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
  for await (const entry of listFiles({repo: context.repo, revision: sha, recursive: true, hubUrl, fetch})) {
    if (entry.type !== 'file') continue
    const etag = entry.lfs?.oid ?? entry.oid
    if (!etag) {
      throw new CmaamError(`The Hub listed ${entry.path} of ${context.repo} without a hash`, {
        hint: 'Check HF_ENDPOINT: it must point at a Hugging Face Hub.',
      })
    }
    files.push({path: entry.path, size: entry.lfs?.size ?? entry.size, etag, lfs: entry.lfs !== undefined})
  }
  return {sha, files}
}
