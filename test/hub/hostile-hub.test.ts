import {mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import nock from 'nock'
import {CmaamError} from '../../src/errors'
import {downloadModel} from '../../src/hub/download-model'
import {fetchRepoListing} from '../../src/hub/fetch-repo-listing'
import {hubFetch} from '../../src/hub/hub-fetch'
import {listTemplateFiles} from '../../src/onnx/list-template-files'
import {makeSentinel, treeState} from '../helpers/sentinel'
import {createMockHub, sha256, type MockHub, type StoredFile} from './mock-hub'
import {singleFileRepo} from './sample-repos'

const TOKEN = 'hf_mock_hostile_token_1234567890'
const FAST = {attempts: 2, baseDelayMs: 1, maxDelayMs: 5}
const TREE = /^\/api\/models\/acme\/vlm\/tree\//

let hub: MockHub
let root: string
let cache: string
let sentinel: string

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cmaam-hostile-'))
  cache = join(root, 'hf')
  sentinel = makeSentinel(join(root, 'sentinel'))
  hub = createMockHub({token: TOKEN, repos: {'acme/vlm': await singleFileRepo()}})
})
afterEach(async () => {
  hub.close()
  jest.restoreAllMocks()
  await rm(root, {recursive: true, force: true})
})

const repoRoot = join('models--acme--vlm')
const stored = (path: string): StoredFile => hub.repo('acme/vlm').files.get(path) as StoredFile
/** The tree entry the Hub lists for a stored file. */
const entry = (path: string, file: StoredFile): Record<string, unknown> => ({
  type: 'file',
  path,
  oid: file.oid,
  size: file.size,
  ...(file.lfs ? {lfs: {oid: file.sha256, size: file.size, pointerSize: 134}} : {}),
})
const listing = (entries: Array<Record<string, unknown>>, headers: Record<string, string> = {}) =>
  hub.injectFault({method: 'GET', path: TREE, times: 10, reply: {status: 200, body: entries, headers: {'Content-Type': 'application/json', ...headers}}})

async function failure(promise: Promise<unknown>): Promise<CmaamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CmaamError)
  expect((error as Error).message).not.toContain('\n')
  return error as CmaamError
}

function download(select?: (paths: string[]) => string[]) {
  return downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache), retry: FAST, select})
}

describe('a hostile Hub listing', () => {
  test('a listed path with ../ that passes the onnx/ prefix checks is refused before anything is written', async () => {
    const data = stored('config.json')
    const path = 'onnx/model.onnx_data_/../../../../../sentinel/target.bin'
    // The old prefix check took it for external data of onnx/model.onnx.
    expect(() => listTemplateFiles(['onnx/model.onnx', path], ['fp32'], 'acme/vlm').externalData).not.toThrow()
    expect(listTemplateFiles(['onnx/model.onnx', path], ['fp32'], 'acme/vlm').externalData).toEqual([])
    listing([entry('onnx/model.onnx', stored('onnx/model.onnx')), entry(path, data)])
    const before = treeState(sentinel)
    const error = await failure(download((paths) => paths))
    expect(error.code).toBe('UNSAFE_INPUT')
    expect(error.message).toBe(`the Hub listing of acme/vlm@${hub.repo('acme/vlm').sha}: path ${JSON.stringify(path)} is refused: it leads out of its folder (..)`)
    expect(treeState(sentinel)).toEqual(before)
    // Nothing was downloaded: the listing is refused as a whole.
    expect(hub.requestsTo('GET', '/resolve/')).toEqual([])
  })

  test.each([
    ['a path', '../../../../sentinel/x.json', 'oid'],
    ['a short hex', 'abc123', 'oid'],
    ['upper-case hex', 'UPPER', 'oid'],
  ])('a non-hex oid (%s) is refused: oids become file names in the cache', async (_, given) => {
    const oid = given === 'UPPER' ? stored('config.json').oid.toUpperCase() : given
    listing([{...entry('config.json', stored('config.json')), oid}, entry('model.safetensors', stored('model.safetensors'))])
    const before = treeState(sentinel)
    const error = await failure(download())
    expect(error.code).toBe('UNSAFE_INPUT')
    expect(error.message).toMatch(/: oid of "config\.json" ".*" is refused: it is not a sha1 \(40 lowercase hex digits\)$/)
    expect(treeState(sentinel)).toEqual(before)
    await expect(stat(join(cache, repoRoot))).rejects.toThrow()
  })

  test('an LFS oid that names a local file of the listed size is refused, never linked into the snapshot', async () => {
    // Before: blobs/<oid> "already had the listed size", so the snapshot linked to the private file.
    const secret = join(sentinel, 'secret.txt')
    const size = (await stat(secret)).size
    const oid = '../../../sentinel/secret.txt'
    listing([entry('config.json', stored('config.json')), {type: 'file', path: 'model.safetensors', oid: stored('model.safetensors').oid, size, lfs: {oid, size, pointerSize: 134}}])
    const before = treeState(sentinel)
    const error = await failure(download())
    expect(error.message).toBe(`the Hub listing of acme/vlm@${hub.repo('acme/vlm').sha}: LFS oid of "model.safetensors" "${oid}" is refused: it is not a sha256 (64 lowercase hex digits)`)
    expect(treeState(sentinel)).toEqual(before)
    await expect(stat(join(cache, repoRoot))).rejects.toThrow()
  })

  test('a blob in the cache that has the listed size but other bytes is not trusted: it is downloaded again', async () => {
    const file = stored('model.safetensors')
    await mkdir(join(cache, repoRoot, 'blobs'), {recursive: true})
    await writeFile(join(cache, repoRoot, 'blobs', file.sha256), Buffer.alloc(file.size, 1))
    const result = await download()
    expect(sha256(await readFile(join(result.dir, 'model.safetensors')))).toBe(file.sha256)
    expect(hub.requests.filter((r) => r.host === 'cdn.hub.test' && r.method === 'GET')).toHaveLength(1)
  })

  test('a Link: rel=next that points back to the page is one error, after one request', async () => {
    const sha = hub.repo('acme/vlm').sha
    const self = `${hub.endpoint}/api/models/acme/vlm/tree/${sha}?recursive=true&expand=false`
    listing([entry('config.json', stored('config.json'))], {Link: `<${self}>; rel="next"`})
    const error = await failure(download())
    expect(error.code).toBe('NETWORK')
    expect(error.message).toBe(`The file listing of acme/vlm links back to a page it already sent (${self})`)
    expect(hub.requestsTo('GET', '/tree/')).toHaveLength(1)
  })

  test('a listing that never stops sending new pages ends at the page cap', async () => {
    let page = 0
    const sha = 'a'.repeat(40)
    // A Hub of its own: model info, then tree pages that each link to a new one.
    hub.close()
    const info = {_id: 'x', id: 'acme/vlm', sha, private: false, gated: false, lastModified: '2026-01-01T00:00:00.000Z', downloads: 0, likes: 0}
    nock(hub.endpoint).get(/^\/api\/models\/acme\/vlm\/revision\//).reply(200, info, {'Content-Type': 'application/json'})
    nock(hub.endpoint)
      .get(TREE)
      .times(20)
      .reply(() => {
        page++
        return [200, [], {'Content-Type': 'application/json', Link: `<${hub.endpoint}/api/models/acme/vlm/tree/${sha}?cursor=${page}>; rel="next"`}]
      })
    const context = {settings: hub.settings(cache), operation: 'download' as const, repo: 'acme/vlm', revision: 'main', retry: FAST}
    const error = await failure(fetchRepoListing(context, 5))
    expect(error.message).toBe('The file listing of acme/vlm goes on for more than 5 pages')
    expect(page).toBe(5)
  })
})

describe('a hostile Hub answer', () => {
  test('a body that stalls is dropped after the idle timeout and resumed', async () => {
    const file = stored('model.safetensors')
    hub.injectFault({file: {repo: 'acme/vlm', path: 'model.safetensors'}, reply: {stallAfterBytes: 10_000}})
    const started = Date.now()
    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache, {idleTimeoutMs: 300}), retry: FAST})
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(sha256(await readFile(join(result.dir, 'model.safetensors')))).toBe(file.sha256)
    expect(hub.requests.filter((r) => r.host === 'cdn.hub.test').map((r) => r.headers.range)).toEqual([undefined, 'bytes=10000-'])
  })

  test('a body that keeps stalling is one error naming the URL, and leaves only the partial file of cmaam', async () => {
    const file = stored('model.safetensors')
    hub.injectFault({file: {repo: 'acme/vlm', path: 'model.safetensors'}, times: 5, reply: {stallAfterBytes: 0}})
    const error = await failure(downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache, {idleTimeoutMs: 200}), retry: FAST}))
    expect(error.code).toBe('NETWORK')
    const sha = hub.repo('acme/vlm').sha
    expect(error.message).toBe(`Cannot reach hub.test: ETIMEDOUT no bytes for 0.2 s (2 tries, https://hub.test/acme/vlm/resolve/${sha}/model.safetensors)`)
    // Only cmaam's own partial file (empty: nothing came), kept for the next run to resume.
    expect((await readdir(join(cache, repoRoot, 'blobs'))).filter((name) => name.startsWith(file.sha256))).toEqual([`${file.sha256}.cmaam.incomplete`])
  })

  test('a JSON answer above the size limit is refused before it is all read', async () => {
    hub.injectFault({method: 'GET', path: '/big', reply: {status: 200, body: 'x'.repeat(5000), headers: {'Content-Type': 'application/json'}}})
    const context = {settings: hub.settings(cache), operation: 'inspect' as const, repo: 'acme/vlm', retry: FAST}
    const error = await failure(hubFetch({url: `${hub.endpoint}/big`, context, maxBodyBytes: 1000}))
    expect(error.message).toBe('The answer of hub.test to https://hub.test/big is larger than 1000 bytes')
    // Within the limit, the body reads as usual.
    hub.injectFault({method: 'GET', path: '/small', reply: {status: 200, body: '{"a": 1}', headers: {'Content-Type': 'application/json'}}})
    expect(await (await hubFetch({url: `${hub.endpoint}/small`, context, maxBodyBytes: 1000})).json()).toEqual({a: 1})
  })
})

describe('sharing the cache with Python (huggingface_hub)', () => {
  test('a Python download of the same blob in progress: its lock and partial file are left untouched, the blob is correct', async () => {
    const file = stored('model.safetensors')
    // What huggingface_hub holds while it downloads: its lock under .locks/ and blobs/<etag>.incomplete.
    const locks = join(cache, '.locks', 'models--acme--vlm')
    await mkdir(locks, {recursive: true})
    await writeFile(join(locks, `${file.sha256}.lock`), '')
    await mkdir(join(cache, repoRoot, 'blobs'), {recursive: true})
    const partial = join(cache, repoRoot, 'blobs', `${file.sha256}.incomplete`)
    await writeFile(partial, Buffer.concat([file.content.subarray(0, 3000), Buffer.alloc(1000, 0xee)]))
    const before = treeState(join(cache))
    const pythonFiles = Object.fromEntries(Object.entries(before).filter(([path]) => path.startsWith('.locks') || path.endsWith('.incomplete')))

    const result = await download()
    expect(sha256(await readFile(join(result.dir, 'model.safetensors')))).toBe(file.sha256)
    const after = treeState(cache)
    for (const [path, state] of Object.entries(pythonFiles)) expect(after[path]).toBe(state)
    // cmaam downloaded from the first byte into its own partial file, now gone.
    expect(hub.requests.filter((r) => r.host === 'cdn.hub.test').map((r) => r.headers.range)).toEqual([undefined])
    expect(Object.keys(after).filter((path) => path.endsWith('.cmaam.incomplete') || path.endsWith(`${file.sha256}.lock`))).toEqual([join('.locks', 'models--acme--vlm', `${file.sha256}.lock`)])
  })

  test('a blob that Python finished while cmaam was downloading it is kept once its digest checks out', async () => {
    const file = stored('model.safetensors')
    const blob = join(cache, repoRoot, 'blobs', file.sha256)
    let finished = false
    const result = await downloadModel({
      repo: 'acme/vlm',
      revision: 'main',
      settings: hub.settings(cache),
      retry: FAST,
      progress: (event) => {
        if (event.file === 'model.safetensors' && event.fileBytes > 0 && !finished) {
          finished = true
          require('node:fs').writeFileSync(blob, file.content)
        }
      },
    })
    expect(finished).toBe(true)
    expect(sha256(await readFile(join(result.dir, 'model.safetensors')))).toBe(file.sha256)
    expect((await readdir(join(cache, repoRoot, 'blobs'))).filter((name) => name.includes('incomplete') || name.endsWith('.lock'))).toEqual([])
  })
})
