import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {openAsBlob} from 'node:fs'
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import nock from 'nock'
import {CmaamError} from '../../src/errors'
import {CountingBlob} from '../../src/hub/counting-blob'
import {downloadModel} from '../../src/hub/download-model'
import {pushFolder} from '../../src/hub/push-folder'
import type {TransferProgress} from '../../src/hub/types'
import {f32Tensor, safetensorsBytes, tempDir} from './fixtures'
import {createMockHub, sha256, type MockHub} from './mock-hub'

const TOKEN = 'hf_push_token_0123456789abcdef'
const FAST = {attempts: 3, baseDelayMs: 1, maxDelayMs: 5}

let hub: MockHub
let work: string
let removeWork: () => Promise<void>
let folder: string
let weights: Buffer

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(async () => {
  ;({dir: work, remove: removeWork} = await tempDir())
  hub = createMockHub({token: TOKEN, readToken: 'hf_read_only_token_0123456789'})
  folder = join(work, 'merged')
  weights = await safetensorsBytes([f32Tensor('w', [128, 64])])
  await mkdir(join(folder, 'extra'), {recursive: true})
  await mkdir(join(folder, '.git'))
  await writeFile(join(folder, 'model.safetensors'), weights)
  await writeFile(join(folder, 'config.json'), '{"model_type": "llava"}')
  await writeFile(join(folder, 'README.md'), '---\nlicense: apache-2.0\n---\n')
  await writeFile(join(folder, 'extra', 'notes.json'), '{}')
  await writeFile(join(folder, '.git', 'HEAD'), 'ref: refs/heads/main\n')
})
afterEach(async () => {
  hub.close()
  await removeWork()
})

const localSha256 = async (path: string): Promise<string> => sha256(await readFile(join(folder, path)))

describe('pushFolder', () => {
  test('creates the repo and uploads every file at its root in one commit, weights through basic LFS', async () => {
    const result = await pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work), private: true, commitMessage: 'Merge A and B'})

    expect(hub.commits).toHaveLength(1)
    const commit = hub.commits[0]
    expect(result).toEqual({url: 'https://hub.test/acme/merged', commitSha: commit?.sha})
    expect(commit).toMatchObject({repo: 'acme/merged', revision: 'main', summary: 'Merge A and B'})
    expect(commit?.files.map((f) => f.path).sort()).toEqual(['README.md', 'config.json', 'extra/notes.json', 'model.safetensors'])
    for (const file of commit?.files ?? []) {
      expect(file.sha256).toBe(await localSha256(file.path))
      expect(file.lfs).toBe(file.path === 'model.safetensors')
    }
    expect(hub.repo('acme/merged').private).toBe(true)
    expect(hub.lfsObjects.get(sha256(weights))).toEqual(weights)

    // Xet is not offered: a server with basic LFS only is enough.
    expect(hub.lfsBatches).toEqual([{repo: 'acme/merged', transfers: ['basic', 'multipart'], oids: [sha256(weights)]}])
    expect(hub.requests.map((r) => `${r.method} ${r.host}${r.path.split('?')[0]}`)).toEqual([
      'POST hub.test/api/repos/create',
      'POST hub.test/api/models/acme/merged/preupload/main',
      'POST hub.test/acme/merged.git/info/lfs/objects/batch',
      `PUT cdn.hub.test/lfs-upload/${sha256(weights)}`,
      'POST hub.test/api/models/acme/merged/commit/main',
    ])
    const put = hub.requests.find((r) => r.method === 'PUT')
    expect(put?.headers.authorization).toBeUndefined()
  })

  test('an existing repo is fine, and LFS objects the Hub has are not sent again', async () => {
    await pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work)})
    await writeFile(join(folder, 'config.json'), '{"model_type": "llava", "v": 2}')
    const second = await pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work)})

    expect(hub.requestsTo('POST', '/api/repos/create')).toHaveLength(2)
    expect(hub.requests.filter((r) => r.method === 'PUT')).toHaveLength(1)
    expect(hub.commits).toHaveLength(2)
    expect(second.commitSha).toBe(hub.repo('acme/merged').sha)
    expect(hub.commits[1]?.files.find((f) => f.path === 'config.json')?.sha256).toBe(await localSha256('config.json'))
  })

  test('what was pushed downloads back byte for byte', async () => {
    await pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work)})
    const model = await downloadModel({repo: 'acme/merged', revision: 'main', settings: hub.settings(join(work, 'cache'))})
    expect([...model.files].sort()).toEqual(['README.md', 'config.json', 'model.safetensors'])
    for (const path of model.files) expect(await readFile(join(model.dir, path))).toEqual(await readFile(join(folder, path)))
  })

  test('reports hashing, upload and commit progress in bytes', async () => {
    const events: TransferProgress[] = []
    await pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work), progress: (e) => events.push(e)})
    let total = 0
    for (const path of ['model.safetensors', 'config.json', 'README.md', 'extra/notes.json']) total += (await stat(join(folder, path))).size
    expect(events.every((e) => e.totalBytes === total)).toBe(true)
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['hash', 'upload', 'commit']))
    const hashing = events.filter((e) => e.phase === 'hash')
    const size = weights.length
    expect(hashing.at(-1)).toMatchObject({file: 'model.safetensors', fileBytes: size, fileTotalBytes: size, bytes: size})
    const uploading = events.filter((e) => e.phase === 'upload')
    expect(uploading.at(-1)).toMatchObject({file: 'model.safetensors', fileBytes: weights.length, bytes: weights.length})
    expect(events.at(-1)).toMatchObject({phase: 'commit', file: null, bytes: total, transferredBytes: total})
  })

  test('retries a Hub that fails for a moment', async () => {
    hub.injectFault({method: 'POST', path: /\/preupload\//, reply: {status: 503}})
    hub.injectFault({method: 'PUT', path: /\/lfs-upload\//, reply: {networkError: 'ECONNRESET'}})
    await pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work), retry: FAST})
    expect(hub.requestsTo('POST', '/preupload/')).toHaveLength(2)
    expect(hub.requests.filter((r) => r.method === 'PUT')).toHaveLength(2)
    expect(hub.commits).toHaveLength(1)
  })

  test('refuses to start without a token, before any request', async () => {
    const failure = pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work, {token: null})})
    await expect(failure).rejects.toThrow(CmaamError)
    await expect(failure).rejects.toThrow('Uploading to the Hub requires a token: set HF_TOKEN or pass --token')
    expect(hub.requests).toEqual([])
  })

  test('refuses offline mode, a bad repo id and an empty folder, before any request', async () => {
    await expect(pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work, {offline: true})})).rejects.toThrow(
      'Offline mode is on (HF_HUB_OFFLINE): cannot upload to acme/merged',
    )
    await expect(pushFolder({dir: folder, repo: 'merged', settings: hub.settings(work)})).rejects.toThrow('"merged" is not a valid repo id')
    await mkdir(join(work, 'empty'))
    await expect(pushFolder({dir: join(work, 'empty'), repo: 'acme/merged', settings: hub.settings(work)})).rejects.toThrow(
      `Nothing to upload: ${join(work, 'empty')} has no files`,
    )
    await expect(pushFolder({dir: join(work, 'missing'), repo: 'acme/merged', settings: hub.settings(work)})).rejects.toThrow(
      `Cannot read the folder to upload, ${join(work, 'missing')} (ENOENT)`,
    )
    expect(hub.requests).toEqual([])
  })

  test('an invalid token is reported as such', async () => {
    await expect(pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work, {token: 'hf_expired_0123456789'})})).rejects.toThrow(
      'The Hugging Face token is invalid or expired: the Hub refused to upload to acme/merged',
    )
  })

  test('an LFS error from the Hub becomes a CmaamError', async () => {
    hub.injectFault({
      method: 'POST',
      path: /\/info\/lfs\/objects\/batch$/,
      reply: {
        status: 200,
        headers: {'Content-Type': 'application/vnd.git-lfs+json'},
        body: {transfer: 'basic', objects: [{oid: sha256(weights), size: weights.length, error: {code: 422, message: 'Object too large'}}]},
      },
    })
    await expect(pushFolder({dir: folder, repo: 'acme/merged', settings: hub.settings(work)})).rejects.toThrow(
      /^Upload to acme\/merged failed: Error while doing LFS batch call for model\.safetensors: Object too large/,
    )
    expect(hub.commits).toEqual([])
  })
})

describe('CountingBlob', () => {
  test('reports the bytes a real fetch reads, and fetch still sends Content-Length', async () => {
    const {dir, remove} = await tempDir()
    const server = createServer((request, response) => {
      let received = 0
      request.on('data', (chunk: Buffer) => (received += chunk.length))
      request.on('end', () => response.end(JSON.stringify({received, length: request.headers['content-length']})))
    })
    nock.enableNetConnect('127.0.0.1')
    try {
      await writeFile(join(dir, 'big.bin'), Buffer.alloc(3_000_000, 7))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const reads: number[] = []
      const body = new CountingBlob(await openAsBlob(join(dir, 'big.bin')), (read) => reads.push(read))
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {method: 'PUT', body})
      expect(await response.json()).toEqual({received: 3_000_000, length: '3000000'})
      expect(reads[0]).toBe(0)
      expect(reads.at(-1)).toBe(3_000_000)
      expect(reads.length).toBeGreaterThan(2)
    } finally {
      nock.disableNetConnect()
      server.close()
      await remove()
    }
  })
})
