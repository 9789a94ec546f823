import nock from 'nock'
import {fileDownloadInfo, fileExists, HubApiError, listFiles, modelInfo, parseSafetensorsMetadata, pathsInfo} from '@huggingface/hub'
import {createMockHub, sha256, type MockHub, type StoredFile} from './mock-hub'
import {shardedRepo, singleFileRepo} from './sample-repos'

// The mock is checked against @huggingface/hub's own client: it must answer as the real Hub does.
const TOKEN = 'hf_mock_hub_token_0123456789'
let hub: MockHub

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(async () => {
  hub = createMockHub({
    token: TOKEN,
    repos: {'acme/vlm': await singleFileRepo(), 'acme/sharded': await shardedRepo(), 'acme/gated': await singleFileRepo({gated: true})},
  })
})
afterEach(() => hub.close())

const file = (repo: string, path: string): StoredFile => hub.repo(repo).files.get(path) as StoredFile

describe('the mock Hub, seen by @huggingface/hub', () => {
  test('model info by revision gives the sha', async () => {
    const info = await modelInfo({name: 'acme/vlm', hubUrl: hub.endpoint, additionalFields: ['sha']})
    expect(info).toMatchObject({name: 'acme/vlm', sha: hub.repo('acme/vlm').sha, private: false})
  })

  test('tree: top level, or recursive with directories', async () => {
    const top = []
    for await (const entry of listFiles({repo: 'acme/vlm', hubUrl: hub.endpoint})) top.push(entry.path)
    expect(top).toContain('onnx')
    expect(top).not.toContain('onnx/model.onnx')
    const all = []
    for await (const entry of listFiles({repo: 'acme/vlm', hubUrl: hub.endpoint, recursive: true})) all.push(entry)
    expect(all.find((e) => e.path === 'onnx')?.type).toBe('directory')
    expect(all.find((e) => e.path === 'model.safetensors')).toMatchObject({
      type: 'file',
      size: file('acme/vlm', 'model.safetensors').size,
      lfs: {oid: file('acme/vlm', 'model.safetensors').sha256},
    })
  })

  test('paths-info', async () => {
    const info = await pathsInfo({repo: 'acme/vlm', paths: ['config.json', 'missing.json'], hubUrl: hub.endpoint})
    expect(info).toEqual([expect.objectContaining({path: 'config.json', oid: file('acme/vlm', 'config.json').oid, lfs: undefined})])
  })

  test('resolve: a bytes=0-0 probe gives size and etag, through the CDN redirect for LFS', async () => {
    const lfs = await fileDownloadInfo({repo: 'acme/vlm', path: 'model.safetensors', hubUrl: hub.endpoint})
    expect(lfs).toMatchObject({etag: `"${file('acme/vlm', 'model.safetensors').sha256}"`, size: file('acme/vlm', 'model.safetensors').size})
    const regular = await fileDownloadInfo({repo: 'acme/vlm', path: 'config.json', hubUrl: hub.endpoint})
    expect(regular).toMatchObject({etag: `"${file('acme/vlm', 'config.json').oid}"`, size: file('acme/vlm', 'config.json').size})
    expect(await fileDownloadInfo({repo: 'acme/vlm', path: 'nope.json', hubUrl: hub.endpoint})).toBeNull()
  })

  test('HEAD on resolve answers the redirect headers; HEAD on raw tells whether a file exists', async () => {
    const head = await fetch(`${hub.endpoint}/acme/vlm/resolve/main/model.safetensors`, {method: 'HEAD', redirect: 'manual'})
    expect(head.status).toBe(302)
    expect(head.headers.get('x-linked-etag')).toBe(`"${file('acme/vlm', 'model.safetensors').sha256}"`)
    expect(head.headers.get('x-linked-size')).toBe(String(file('acme/vlm', 'model.safetensors').size))
    expect(head.headers.get('x-repo-commit')).toBe(hub.repo('acme/vlm').sha)
    expect(await fileExists({repo: 'acme/vlm', path: 'config.json', hubUrl: hub.endpoint})).toBe(true)
    expect(await fileExists({repo: 'acme/vlm', path: 'nope.json', hubUrl: hub.endpoint})).toBe(false)
  })

  test('the raw pointer of an LFS file hashes to its tree oid', async () => {
    const raw = Buffer.from(await (await fetch(`${hub.endpoint}/acme/vlm/raw/main/model.safetensors`)).arrayBuffer())
    expect(raw.toString()).toContain(`oid sha256:${file('acme/vlm', 'model.safetensors').sha256}`)
  })

  test('Range requests: 206 with Content-Range, 416 past the end', async () => {
    const url = `${hub.endpoint}/acme/vlm/resolve/main/config.json`
    const part = await fetch(url, {headers: {Range: 'bytes=2-5'}})
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 2-5/${file('acme/vlm', 'config.json').size}`)
    expect(Buffer.from(await part.arrayBuffer())).toEqual(file('acme/vlm', 'config.json').content.subarray(2, 6))
    expect((await fetch(url, {headers: {Range: 'bytes=100000-'}})).status).toBe(416)
  })

  test('parseSafetensorsMetadata reads single and sharded checkpoints', async () => {
    const single = await parseSafetensorsMetadata({repo: 'acme/vlm', hubUrl: hub.endpoint})
    expect(single.sharded).toBe(false)
    const sharded = await parseSafetensorsMetadata({repo: 'acme/sharded', hubUrl: hub.endpoint})
    expect(sharded.sharded && Object.keys(sharded.headers).sort()).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'])
  })

  test('Hub error conventions: RepoNotFound is 401 without a valid token, 404 with one; GatedRepo', async () => {
    const anonymous = await fetch(`${hub.endpoint}/api/models/acme/nope/revision/main`)
    expect([anonymous.status, anonymous.headers.get('x-error-code')]).toEqual([401, 'RepoNotFound'])
    const authenticated = await fetch(`${hub.endpoint}/api/models/acme/nope/revision/main`, {headers: {Authorization: `Bearer ${TOKEN}`}})
    expect([authenticated.status, authenticated.headers.get('x-error-code')]).toEqual([404, 'RepoNotFound'])
    expect(await authenticated.json()).toEqual({error: 'Repository Not Found'})
    const gated = await fetch(`${hub.endpoint}/acme/gated/resolve/main/config.json`)
    expect([gated.status, gated.headers.get('x-error-code')]).toEqual([401, 'GatedRepo'])
    const refused = await fetch(`${hub.endpoint}/acme/gated/resolve/main/config.json`, {headers: {Authorization: `Bearer ${TOKEN}`}})
    expect([refused.status, refused.headers.get('x-error-code')]).toEqual([403, 'GatedRepo'])
    await expect(modelInfo({name: 'acme/nope', hubUrl: hub.endpoint})).rejects.toBeInstanceOf(HubApiError)
  })

  test('faults: a dropped connection, a corrupt body, a status', async () => {
    const url = `${hub.endpoint}/acme/vlm/resolve/main/config.json`
    hub.injectFault({file: {repo: 'acme/vlm', path: 'config.json'}, reply: {dropAfterBytes: 3}})
    await expect(fetch(url).then((r) => r.arrayBuffer())).rejects.toThrow()
    hub.injectFault({file: {repo: 'acme/vlm', path: 'config.json'}, reply: {corrupt: true}})
    expect(sha256(Buffer.from(await (await fetch(url)).arrayBuffer()))).not.toBe(file('acme/vlm', 'config.json').sha256)
    hub.injectFault({path: /config\.json$/, times: 2, reply: {status: 500}})
    expect([(await fetch(url)).status, (await fetch(url)).status, (await fetch(url)).status]).toEqual([500, 500, 200])
  })
})
