import {spawnSync} from 'node:child_process'
import {lstat, mkdir, readdir, readFile, readlink, stat, symlink, utimes, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'
import nock from 'nock'
import {CmaamError} from '../../src/errors'
import {downloadModel} from '../../src/hub/download-model'
import type {TransferProgress} from '../../src/hub/types'
import {tempDir} from './fixtures'
import {createMockHub, sha256, type MockHub, type StoredFile} from './mock-hub'
import {shardedRepo, singleFileRepo} from './sample-repos'

// The module object itself (not an import namespace copy), so that spies reach the code under test.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fsPromises = require('node:fs/promises') as typeof import('node:fs/promises')
const TOKEN = 'hf_mock_download_token_1234567890'
const FAST = {attempts: 3, baseDelayMs: 1, maxDelayMs: 5}
const MERGE_FILES = ['README.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']

let hub: MockHub
let cache: string
let removeCache: () => Promise<void>

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(async () => {
  ;({dir: cache, remove: removeCache} = await tempDir())
  hub = createMockHub({token: TOKEN, repos: {'acme/vlm': await singleFileRepo({refs: ['v1.0', 'refs/pr/1']}), 'acme/sharded': await shardedRepo()}})
})
afterEach(async () => {
  hub.close()
  jest.restoreAllMocks()
  await removeCache()
})

const repoRoot = (repo: string): string => join(cache, `models--${repo.replace('/', '--')}`)
const etagOf = (file: StoredFile): string => (file.lfs ? file.sha256 : file.oid)
const stored = (repo: string, path: string): StoredFile => hub.repo(repo).files.get(path) as StoredFile
/** Requests that fetched file contents: `resolve` URLs and the CDN. */
const contentRequests = (): string[] =>
  hub.requests.filter((r) => r.method === 'GET' && (r.path.includes('/resolve/') || r.host === 'cdn.hub.test')).map((r) => r.path)

/** Writes a file into the cache exactly as huggingface_hub does: blob by etag, relative symlink, ref. */
async function writePythonCache(repo: string, paths: string[], options: {pointers?: boolean} = {}): Promise<void> {
  const root = repoRoot(repo)
  const sha = hub.repo(repo).sha
  await mkdir(join(root, 'blobs'), {recursive: true})
  await mkdir(join(root, 'refs'), {recursive: true})
  await writeFile(join(root, 'refs', 'main'), sha)
  for (const path of paths) {
    const file = stored(repo, path)
    await writeFile(join(root, 'blobs', etagOf(file)), file.content)
    if (options.pointers !== false) {
      await mkdir(join(root, 'snapshots', sha), {recursive: true})
      await symlink(`../../blobs/${etagOf(file)}`, join(root, 'snapshots', sha, path))
    }
  }
}

describe('downloadModel', () => {
  test('downloads what a merge needs into the huggingface_hub cache layout', async () => {
    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    const root = repoRoot('acme/vlm')
    const {sha} = hub.repo('acme/vlm')

    expect(result.sha).toBe(sha)
    expect(result.dir).toBe(join(root, 'snapshots', sha))
    expect([...result.files].sort()).toEqual(MERGE_FILES)
    expect(await readFile(join(root, 'refs', 'main'), 'utf8')).toBe(sha)

    for (const path of MERGE_FILES) {
      const file = stored('acme/vlm', path)
      const pointer = join(result.dir, path)
      expect((await lstat(pointer)).isSymbolicLink()).toBe(true)
      expect(await readlink(pointer)).toBe(`../../blobs/${etagOf(file)}`)
      expect(await readFile(pointer)).toEqual(file.content)
    }
    // LFS blobs are named by sha256, others by git blob sha1; nothing half-written is left.
    expect(stored('acme/vlm', 'model.safetensors').lfs).toBe(true)
    expect(etagOf(stored('acme/vlm', 'model.safetensors'))).toMatch(/^[0-9a-f]{64}$/)
    expect(etagOf(stored('acme/vlm', 'config.json'))).toMatch(/^[0-9a-f]{40}$/)
    expect((await readdir(join(root, 'blobs'))).sort()).toEqual(MERGE_FILES.map((p) => etagOf(stored('acme/vlm', p))).sort())

    // Pickles and files a merge does not read are never requested.
    expect(contentRequests().filter((p) => /\.bin|notes\.txt|onnx/.test(p))).toEqual([])
    expect(hub.requests.every((r) => r.host !== 'cdn.hub.test' || r.headers.authorization === undefined)).toBe(true)
  })

  test('follows the index: its shards, not the other safetensors of the repo', async () => {
    const result = await downloadModel({repo: 'acme/sharded', revision: 'main', settings: hub.settings(cache)})
    expect([...result.files].sort()).toEqual([
      'config.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
      'preprocessor_config.json',
    ])
    expect(contentRequests().some((p) => p.includes('consolidated'))).toBe(false)
    for (const path of result.files) expect(await readFile(join(result.dir, path))).toEqual(stored('acme/sharded', path).content)
  })

  test('records a branch or tag in refs/, and no ref for a commit sha', async () => {
    const {sha} = hub.repo('acme/vlm')
    await downloadModel({repo: 'acme/vlm', revision: 'v1.0', settings: hub.settings(cache)})
    await downloadModel({repo: 'acme/vlm', revision: 'refs/pr/1', settings: hub.settings(cache)})
    await downloadModel({repo: 'acme/vlm', revision: sha, settings: hub.settings(cache)})
    const refs = join(repoRoot('acme/vlm'), 'refs')
    expect(await readFile(join(refs, 'v1.0'), 'utf8')).toBe(sha)
    expect(await readFile(join(refs, 'refs', 'pr', '1'), 'utf8')).toBe(sha)
    expect((await readdir(refs)).sort()).toEqual(['refs', 'v1.0'])
    expect(hub.requestsTo('GET', '/revision/refs%2Fpr%2F1')).toHaveLength(1)
  })

  test('reuses a cache written by huggingface_hub without downloading anything', async () => {
    await writePythonCache('acme/vlm', MERGE_FILES)
    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    expect([...result.files].sort()).toEqual(MERGE_FILES)
    expect(contentRequests()).toEqual([])
    expect(hub.requests.map((r) => r.path.split('?')[0])).toEqual([
      '/api/models/acme/vlm/revision/main',
      `/api/models/acme/vlm/tree/${hub.repo('acme/vlm').sha}`,
    ])
  })

  test('links blobs already in the cache (from another revision) instead of downloading them', async () => {
    await writePythonCache('acme/vlm', ['model.safetensors', 'config.json'], {pointers: false})
    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    expect(await readlink(join(result.dir, 'model.safetensors'))).toBe(`../../blobs/${etagOf(stored('acme/vlm', 'model.safetensors'))}`)
    expect(contentRequests().filter((p) => p.endsWith('/model.safetensors') || p.endsWith('/config.json') || p.startsWith('/repos/'))).toEqual([])
    expect(contentRequests()).toHaveLength(3)
  })

  test('resumes with a Range request after the connection drops mid-file', async () => {
    hub.injectFault({file: {repo: 'acme/vlm', path: 'model.safetensors'}, reply: {dropAfterBytes: 10_000}})
    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache), retry: FAST})

    const weights = hub.requests.filter((r) => r.host === 'cdn.hub.test')
    expect(weights).toHaveLength(2)
    expect(weights[0]?.headers.range).toBeUndefined()
    expect(weights[1]?.headers.range).toBe('bytes=10000-')
    const file = stored('acme/vlm', 'model.safetensors')
    expect(sha256(await readFile(join(repoRoot('acme/vlm'), 'blobs', file.sha256)))).toBe(file.sha256)
    expect(await readFile(join(result.dir, 'model.safetensors'))).toEqual(file.content)
  })

  test('resumes a partial download left by an earlier run (cmaam\'s own partial file)', async () => {
    const file = stored('acme/vlm', 'model.safetensors')
    await mkdir(join(repoRoot('acme/vlm'), 'blobs'), {recursive: true})
    await writeFile(join(repoRoot('acme/vlm'), 'blobs', `${file.sha256}.cmaam.incomplete`), file.content.subarray(0, 5000))
    const events: TransferProgress[] = []
    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache), progress: (e) => events.push(e)})

    const weights = hub.requests.filter((r) => r.host === 'cdn.hub.test')
    expect(weights.map((r) => r.headers.range)).toEqual(['bytes=5000-'])
    expect(await readFile(join(result.dir, 'model.safetensors'))).toEqual(file.content)
    const small = MERGE_FILES.filter((p) => p !== 'model.safetensors').reduce((sum, p) => sum + stored('acme/vlm', p).size, 0)
    expect(events.at(-1)?.transferredBytes).toBe(file.size - 5000 + small)
  })

  test('starts over when the server ignores the Range header', async () => {
    const file = stored('acme/vlm', 'model.safetensors')
    await mkdir(join(repoRoot('acme/vlm'), 'blobs'), {recursive: true})
    await writeFile(join(repoRoot('acme/vlm'), 'blobs', `${file.sha256}.cmaam.incomplete`), file.content.subarray(0, 5000))
    hub.injectFault({method: 'GET', path: new RegExp(file.sha256), reply: {status: 200, body: file.content}})
    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    expect(hub.requests.filter((r) => r.host === 'cdn.hub.test').map((r) => r.headers.range)).toEqual(['bytes=5000-'])
    expect(await readFile(join(result.dir, 'model.safetensors'))).toEqual(file.content)
  })

  test('copies the blob where symlinks are not allowed', async () => {
    jest.spyOn(fsPromises, 'symlink').mockRejectedValue(Object.assign(new Error('EPERM: operation not permitted, symlink'), {code: 'EPERM'}))
    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    const pointer = join(result.dir, 'model.safetensors')
    expect((await lstat(pointer)).isFile()).toBe(true)
    expect(await readFile(pointer)).toEqual(stored('acme/vlm', 'model.safetensors').content)
  })

  test('a sha256 mismatch fails and leaves no corrupt blob behind', async () => {
    hub.injectFault({file: {repo: 'acme/vlm', path: 'model.safetensors'}, reply: {corrupt: true}})
    const file = stored('acme/vlm', 'model.safetensors')
    const failure = downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    await expect(failure).rejects.toThrow(CmaamError)
    await expect(failure).rejects.toThrow(`Download of model.safetensors from acme/vlm is corrupt: its sha256 is`)
    const blobs = await readdir(join(repoRoot('acme/vlm'), 'blobs'))
    expect(blobs.filter((name) => name.startsWith(file.sha256))).toEqual([])
    await expect(lstat(join(repoRoot('acme/vlm'), 'snapshots', hub.repo('acme/vlm').sha, 'model.safetensors'))).rejects.toThrow()

    // The next run downloads it afresh.
    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    expect(await readFile(join(result.dir, 'model.safetensors'))).toEqual(file.content)
  })

  test('a non-LFS file is checked against its git blob sha1', async () => {
    hub.injectFault({file: {repo: 'acme/vlm', path: 'config.json'}, reply: {corrupt: true}})
    await expect(downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})).rejects.toThrow(
      /config\.json from acme\/vlm is corrupt: its git blob sha1 is [0-9a-f]{40}, expected/,
    )
  })

  test('retries 5xx and 429 answers with backoff', async () => {
    hub.injectFault({path: /\/revision\/main/, times: 2, reply: {status: 503}})
    hub.injectFault({path: /\/tree\//, reply: {status: 429, headers: {'Retry-After': '0'}}})
    await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache), retry: FAST})
    expect(hub.requestsTo('GET', '/revision/main')).toHaveLength(3)
    expect(hub.requestsTo('GET', '/tree/')).toHaveLength(2)
  })

  test('gives up after the last retry with a clear message', async () => {
    hub.injectFault({path: /\/revision\/main/, times: 3, reply: {status: 502, body: '<html>Bad Gateway</html>'}})
    await expect(downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache), retry: FAST})).rejects.toThrow(
      'The Hub failed to download acme/vlm (HTTP 502), even after retries',
    )
    expect(hub.requestsTo('GET', '/revision/main')).toHaveLength(3)

    hub.injectFault({path: /\/revision\/main/, times: 3, reply: {networkError: 'ECONNREFUSED'}})
    await expect(downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache), retry: FAST})).rejects.toThrow(
      /^Cannot reach hub\.test: .*ECONNREFUSED.* \(3 tries, https:\/\/hub\.test\/.+\)$/,
    )
  })

  test('takes over a lock left by a process that died', async () => {
    const file = stored('acme/vlm', 'model.safetensors')
    const blobs = join(repoRoot('acme/vlm'), 'blobs')
    await mkdir(blobs, {recursive: true})
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid
    await writeFile(join(blobs, `${file.sha256}.lock`), JSON.stringify({pid: deadPid, host: hostname()}))
    await writeFile(join(blobs, `${stored('acme/vlm', 'config.json').oid}.lock`), JSON.stringify({pid: process.pid, host: 'elsewhere'}))
    const old = new Date(Date.now() - 10 * 60_000)
    await utimes(join(blobs, `${stored('acme/vlm', 'config.json').oid}.lock`), old, old)

    const result = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    expect(await readFile(join(result.dir, 'model.safetensors'))).toEqual(file.content)
    expect((await readdir(blobs)).filter((name) => name.endsWith('.lock'))).toEqual([])
  })

  test('waits while a live process holds the lock, then uses its blob', async () => {
    const file = stored('acme/vlm', 'model.safetensors')
    const blobs = join(repoRoot('acme/vlm'), 'blobs')
    await mkdir(blobs, {recursive: true})
    const lock = join(blobs, `${file.sha256}.lock`)
    await writeFile(lock, JSON.stringify({pid: process.pid, host: hostname()}))

    let done = false
    const download = downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)}).finally(() => (done = true))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(done).toBe(false)
    // The other process finishes: the blob appears and the lock goes.
    await writeFile(join(blobs, file.sha256), file.content)
    await fsPromises.rm(lock)
    const result = await download
    expect(await readFile(join(result.dir, 'model.safetensors'))).toEqual(file.content)
    expect(hub.requests.filter((r) => r.host === 'cdn.hub.test')).toEqual([])
  })

  test('two concurrent downloads of one model fetch each file once', async () => {
    const settings = hub.settings(cache)
    const [a, b] = await Promise.all([
      downloadModel({repo: 'acme/vlm', revision: 'main', settings}),
      downloadModel({repo: 'acme/vlm', revision: 'main', settings}),
    ])
    expect(a).toEqual(b)
    expect(hub.requests.filter((r) => r.host === 'cdn.hub.test')).toHaveLength(1)
    expect(await readFile(join(a.dir, 'model.safetensors'))).toEqual(stored('acme/vlm', 'model.safetensors').content)
  })

  test('reports progress in bytes, with files already cached counted as done', async () => {
    const events: TransferProgress[] = []
    await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache), progress: (e) => events.push(e)})
    const total = MERGE_FILES.reduce((sum, p) => sum + stored('acme/vlm', p).size, 0)
    expect(events.every((e) => e.phase === 'download' && e.totalBytes === total)).toBe(true)
    expect(events.map((e) => e.bytes)).toEqual([...events.map((e) => e.bytes)].sort((x, y) => x - y))
    expect(events[0]).toMatchObject({file: null, bytes: 0, transferredBytes: 0})
    expect(events.at(-1)).toMatchObject({bytes: total, transferredBytes: total})

    const again: TransferProgress[] = []
    await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache), progress: (e) => again.push(e)})
    expect(again[0]).toMatchObject({bytes: total, totalBytes: total, transferredBytes: 0})
    expect(again.at(-1)).toMatchObject({bytes: total, transferredBytes: 0})
  })

  test('writes nothing to stdout or stderr (no library chatter)', async () => {
    const stdout = jest.spyOn(process.stdout, 'write')
    const stderr = jest.spyOn(process.stderr, 'write')
    const debug = jest.spyOn(console, 'debug')
    await downloadModel({repo: 'acme/sharded', revision: 'main', settings: hub.settings(cache)})
    expect(stdout).not.toHaveBeenCalled()
    expect(stderr).not.toHaveBeenCalled()
    expect(debug).not.toHaveBeenCalled()
  })

  test('refuses a repo that has only pickle weights, before downloading anything', async () => {
    hub.addRepo('acme/old', {files: {'config.json': '{}', 'pytorch_model.bin': 'pickle', 'README.md': '# old'}})
    const failure = downloadModel({repo: 'acme/old', revision: 'main', settings: hub.settings(cache)})
    await expect(failure).rejects.toThrow('acme/old@main has only pickle weights (pytorch_model.bin); cmaam reads safetensors only')
    await expect(failure).rejects.toMatchObject({hint: expect.stringContaining('save_pretrained(dir, safe_serialization=True)')})
    expect(contentRequests()).toEqual([])

    hub.addRepo('acme/empty', {files: {'config.json': '{}'}})
    await expect(downloadModel({repo: 'acme/empty', revision: 'main', settings: hub.settings(cache)})).rejects.toThrow(
      'acme/empty@main has no safetensors weights',
    )
  })

  test('says how much space is needed when the disk is too small, before downloading', async () => {
    jest.spyOn(fsPromises, 'statfs').mockResolvedValue({bavail: 10, bsize: 1000} as Awaited<ReturnType<typeof fsPromises.statfs>>)
    const total = MERGE_FILES.reduce((sum, p) => sum + stored('acme/vlm', p).size, 0)
    const failure = downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    await expect(failure).rejects.toThrow(`Not enough disk space in ${cache}: the download needs ${(total / 1000).toFixed(1)} kB more, 10.0 kB free`)
    expect(contentRequests()).toEqual([])
  })

  test('a disk that fills up during the download removes the partial files', async () => {
    const file = stored('acme/vlm', 'model.safetensors')
    const realOpen = fsPromises.open
    jest.spyOn(fsPromises, 'open').mockImplementation(async (...args: Parameters<typeof realOpen>) => {
      const handle = await realOpen(...args)
      if (String(args[0]).endsWith(`${file.sha256}.cmaam.incomplete`)) {
        handle.write = (async () => {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'})
        }) as typeof handle.write
      }
      return handle
    })
    const failure = downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    await expect(failure).rejects.toThrow(new RegExp(`^Not enough disk space in ${cache}: the download needs [\\d.]+ kB more`))
    const blobs = await readdir(join(repoRoot('acme/vlm'), 'blobs'))
    expect(blobs.filter((name) => name.endsWith('.incomplete') || name.endsWith('.lock'))).toEqual([])
  })

  test('an abort stops the download and keeps the partial file for the next run', async () => {
    hub.injectFault({file: {repo: 'acme/vlm', path: 'model.safetensors'}, reply: {dropAfterBytes: 20_000}})
    const controller = new AbortController()
    const reason = new Error('user pressed Ctrl-C')
    const failure = downloadModel({
      repo: 'acme/vlm',
      revision: 'main',
      settings: hub.settings(cache),
      signal: controller.signal,
      progress: (e) => {
        if (e.file === 'model.safetensors' && e.fileBytes > 0) controller.abort(reason)
      },
    })
    await expect(failure).rejects.toBe(reason)
    const file = stored('acme/vlm', 'model.safetensors')
    const partial = await stat(join(repoRoot('acme/vlm'), 'blobs', `${file.sha256}.cmaam.incomplete`))
    expect(partial.size).toBeGreaterThan(0)
    expect(partial.size).toBeLessThan(file.size)
    await expect(stat(join(repoRoot('acme/vlm'), 'blobs', `${file.sha256}.lock`))).rejects.toThrow()
  })
})
