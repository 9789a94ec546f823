import {readdir, readFile, readlink} from 'node:fs/promises'
import {join} from 'node:path'
import nock from 'nock'
import {CmaamError} from '../../src/errors'
import {downloadModel} from '../../src/hub/download-model'
import {inspectRemote} from '../../src/hub/inspect-remote'
import {pushFolder} from '../../src/hub/push-folder'
import type {HubSettings} from '../../src/hub/types'
import {tempDir} from './fixtures'
import {createMockHub, type MockHub} from './mock-hub'
import {singleFileRepo} from './sample-repos'

const TOKEN = 'hf_write_SECRET_token_abcdef0123456789'
const READ_TOKEN = 'hf_read_SECRET_token_abcdef0123456789'
const GRANTED = 'hf_granted_SECRET_token_abcdef0123456'
const WRONG = 'hf_wrong_SECRET_token_abcdef012345678'
const SECRETS = [TOKEN, READ_TOKEN, GRANTED, WRONG]

let hub: MockHub
let cache: string
let removeCache: () => Promise<void>
let output: string[]

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(async () => {
  ;({dir: cache, remove: removeCache} = await tempDir())
  hub = createMockHub({
    token: TOKEN,
    readToken: READ_TOKEN,
    repos: {
      'acme/vlm': await singleFileRepo(),
      'acme/private': await singleFileRepo({private: true}),
      'acme/gated': await singleFileRepo({gated: true, grantedTokens: [GRANTED]}),
    },
  })
  output = []
  const capture = (chunk: unknown): boolean => {
    output.push(String(chunk))
    return true
  }
  jest.spyOn(process.stdout, 'write').mockImplementation(capture)
  jest.spyOn(process.stderr, 'write').mockImplementation(capture)
})
afterEach(async () => {
  // No token in anything printed, nor in any file written to the cache.
  for (const secret of SECRETS) expect(output.join('')).not.toContain(secret)
  for (const file of await listFiles(cache)) {
    const content = await readFile(file).catch(async () => Buffer.from(await readlink(file)))
    for (const secret of SECRETS) expect(content.includes(secret)).toBe(false)
  }
  jest.restoreAllMocks()
  hub.close()
  await removeCache()
})

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {withFileTypes: true}).catch(() => [])
  const files: string[] = []
  for (const entry of entries) {
    const path = join(dir, entry.name)
    files.push(...(entry.isDirectory() ? await listFiles(path) : [path]))
  }
  return files
}

/** The failure of `run`, checked to be a CmaamError that does not carry any token. */
async function failureOf(run: Promise<unknown>): Promise<CmaamError> {
  const error = await run.then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CmaamError)
  const text = `${(error as CmaamError).message}\n${(error as CmaamError).hint}\n${(error as Error).stack}`
  for (const secret of SECRETS) expect(text).not.toContain(secret)
  return error as CmaamError
}

const download = (repo: string, settings: HubSettings, revision = 'main'): Promise<unknown> => downloadModel({repo, revision, settings})

describe('Hub errors become one readable line', () => {
  test('401 without a token: the repo requires one', async () => {
    const error = await failureOf(download('acme/private', hub.settings(cache, {token: null})))
    expect(error.message).toBe('acme/private requires a token: set HF_TOKEN or pass --token')
    expect(error.hint).toContain('private and gated repos, and for repos that do not exist')
  })

  test('401 with a token: the token is invalid or expired', async () => {
    const error = await failureOf(download('acme/vlm', hub.settings(cache, {token: WRONG})))
    expect(error.message).toBe('The Hugging Face token is invalid or expired: the Hub refused to download acme/vlm')
    expect(error.hint).toBe('Create a new token at https://hub.test/settings/tokens, then set HF_TOKEN or pass --token.')
  })

  test('a private repo downloads with a valid token', async () => {
    await expect(download('acme/private', hub.settings(cache))).resolves.toMatchObject({sha: hub.repo('acme/private').sha})
  })

  test('404 RepoNotFound names the repo', async () => {
    const error = await failureOf(download('acme/nope', hub.settings(cache)))
    expect(error.message).toBe('Repo acme/nope not found on https://hub.test')
  })

  test('404 RevisionNotFound names the revision', async () => {
    const error = await failureOf(download('acme/vlm', hub.settings(cache), 'no-such-branch'))
    expect(error.message).toBe('Revision "no-such-branch" not found in acme/vlm')
    expect(error.hint).toContain('https://hub.test/acme/vlm/tree/main')
  })

  test('404 EntryNotFound names the file', async () => {
    hub.injectFault({
      path: /\/resolve\/[0-9a-f]+\/config\.json$/,
      reply: {status: 404, headers: {'X-Error-Code': 'EntryNotFound'}, body: {error: 'Entry not found'}},
    })
    const error = await failureOf(download('acme/vlm', hub.settings(cache)))
    expect(error.message).toBe(`File config.json not found in acme/vlm@${hub.repo('acme/vlm').sha}`)
  })

  test('a gated repo without a token: say so, with the link to accept its conditions', async () => {
    const error = await failureOf(download('acme/gated', hub.settings(cache, {token: null})))
    expect(error.message).toBe('acme/gated is a gated model: it requires a token of an account that accepted its conditions')
    expect(error.hint).toBe('Accept its conditions at https://hub.test/acme/gated, then set HF_TOKEN or pass --token.')
  })

  test('a gated repo with a token not granted access: say so, with the link', async () => {
    const error = await failureOf(download('acme/gated', hub.settings(cache)))
    expect(error.message).toBe('acme/gated is a gated model and the account of this token has not been granted access to it')
    expect(error.hint).toContain('https://hub.test/acme/gated')
    await expect(download('acme/gated', hub.settings(cache, {token: GRANTED}))).resolves.toMatchObject({sha: hub.repo('acme/gated').sha})
  })

  test('a gated repo refused while inspecting', async () => {
    const error = await failureOf(inspectRemote({repo: 'acme/gated', revision: 'main', settings: hub.settings(cache, {token: READ_TOKEN})}))
    expect(error.message).toContain('acme/gated is a gated model')
  })

  test('403 without a gated message: access refused, naming the operation', async () => {
    const body = {error: 'Forbidden: fine-grained token lacks repo.content.read'}
    hub.injectFault({path: /\/tree\//, reply: {status: 403, body, headers: {'Content-Type': 'application/json'}}})
    const error = await failureOf(download('acme/vlm', hub.settings(cache, {token: READ_TOKEN})))
    expect(error.message).toBe(`The Hub refused to let this token download acme/vlm (the Hub says: ${body.error})`)
  })

  test('403 on upload: the token lacks write access', async () => {
    const {dir, remove} = await tempDir()
    try {
      await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'config.json'), '{}'))
      const error = await failureOf(pushFolder({dir, repo: 'acme/vlm', settings: hub.settings(cache, {token: READ_TOKEN})}))
      expect(error.message).toMatch(/^This token has no write access to acme\/vlm: the Hub refused the upload/)
      expect(error.hint).toBe('Use a token with write access to acme (create one at https://hub.test/settings/tokens).')
    } finally {
      await remove()
    }
  })

  test('a token the Hub echoes back is masked', async () => {
    const body = {error: `bad header: Bearer ${TOKEN}`}
    hub.injectFault({path: /\/revision\//, reply: {status: 400, body, headers: {'Content-Type': 'application/json'}}})
    const error = await failureOf(download('acme/vlm', hub.settings(cache)))
    expect(error.message).toBe('The Hub refused to download acme/vlm (HTTP 400) (the Hub says: bad header: Bearer ***)')
  })

  test('the token is sent to the Hub only, never to the CDN', async () => {
    await download('acme/vlm', hub.settings(cache))
    const hubRequests = hub.requests.filter((r) => r.host === 'hub.test')
    const cdnRequests = hub.requests.filter((r) => r.host === 'cdn.hub.test')
    expect(cdnRequests.length).toBeGreaterThan(0)
    expect(hubRequests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true)
    expect(cdnRequests.every((r) => r.headers.authorization === undefined)).toBe(true)
  })
})
