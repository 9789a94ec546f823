import nock from 'nock'
import {CmaamError} from '../../src/errors'
import {downloadModel} from '../../src/hub/download-model'
import {inspectRemote} from '../../src/hub/inspect-remote'
import {f32Tensor, safetensorsBytes, tempDir} from './fixtures'
import {createMockHub, type MockHub, type StoredFile} from './mock-hub'
import {shardedRepo, singleFileRepo} from './sample-repos'

const FAST = {attempts: 3, baseDelayMs: 1, maxDelayMs: 5}
let hub: MockHub
let cache: string
let removeCache: () => Promise<void>

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(async () => {
  ;({dir: cache, remove: removeCache} = await tempDir())
  hub = createMockHub({repos: {'acme/vlm': await singleFileRepo(), 'acme/sharded': await shardedRepo()}})
})
afterEach(async () => {
  hub.close()
  await removeCache()
})

const sizeOf = (repo: string, paths: string[]): number => paths.reduce((sum, p) => sum + (hub.repo(repo).files.get(p) as StoredFile).size, 0)

describe('inspectRemote', () => {
  test('reads a single file header with two Range requests, without the weights', async () => {
    const result = await inspectRemote({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    expect(result.sha).toBe(hub.repo('acme/vlm').sha)
    expect(result.tensors).toEqual([
      {name: 'vision_tower.proj.weight', dtype: 'F32', shape: [64, 128], file: 'model.safetensors'},
      {name: 'language_model.embed.weight', dtype: 'F32', shape: [32, 128], file: 'model.safetensors'},
    ])
    expect(result.indexMetadata).toBeNull()
    const files = ['README.md', 'config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors']
    expect([...result.files].sort()).toEqual([...files].sort())
    expect(result.downloadBytes).toBe(sizeOf('acme/vlm', files))
    expect(result.cachedBytes).toBe(0)

    const content = hub.requests.filter((r) => r.path.includes('/resolve/') || r.host === 'cdn.hub.test')
    const weights = content.filter((r) => r.host === 'cdn.hub.test')
    const model = hub.repo('acme/vlm').files.get('model.safetensors') as StoredFile
    const headerLength = Number(model.content.readBigUInt64LE(0))
    expect(weights.map((r) => r.headers.range)).toEqual(['bytes=0-7', `bytes=8-${8 + headerLength - 1}`])
    expect(content.every((r) => r.headers.range !== undefined)).toBe(true)
  })

  test('reads every shard of an index, and the index metadata', async () => {
    const result = await inspectRemote({repo: 'acme/sharded', revision: 'main', settings: hub.settings(cache)})
    expect(result.tensors).toEqual([
      {name: 'a.weight', dtype: 'F32', shape: [16, 16], file: 'model-00001-of-00002.safetensors'},
      {name: 'b.weight', dtype: 'F32', shape: [16], file: 'model-00001-of-00002.safetensors'},
      {name: 'c.weight', dtype: 'F32', shape: [8, 4], file: 'model-00002-of-00002.safetensors'},
    ])
    expect(result.indexMetadata).toEqual({total_size: 16 * 16 * 4 + 16 * 4 + 8 * 4 * 4})
    expect(result.files).not.toContain('consolidated.safetensors')
    expect(hub.requests.some((r) => r.path.includes('consolidated'))).toBe(false)
  })

  test('counts what is already in the cache', async () => {
    await downloadModel({repo: 'acme/sharded', revision: 'main', settings: hub.settings(cache)})
    const result = await inspectRemote({repo: 'acme/sharded', revision: 'main', settings: hub.settings(cache)})
    expect(result.cachedBytes).toBe(result.downloadBytes)
  })

  test('retries a header read whose connection drops', async () => {
    hub.injectFault({file: {repo: 'acme/vlm', path: 'model.safetensors'}, reply: {dropAfterBytes: 4}})
    const result = await inspectRemote({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache), retry: FAST})
    expect(result.tensors).toHaveLength(2)
    expect(hub.requests.filter((r) => r.host === 'cdn.hub.test').map((r) => r.headers.range)).toEqual([
      'bytes=0-7',
      'bytes=0-7',
      expect.stringMatching(/^bytes=8-\d+$/),
    ])
  })

  test('an invalid header is reported with the file on the Hub', async () => {
    hub.addRepo('acme/bad', {files: {'model.safetensors': Buffer.concat([Buffer.from([16, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"x": {"dtype"}}')])}})
    const bad = inspectRemote({repo: 'acme/bad', revision: 'main', settings: hub.settings(cache)})
    await expect(bad).rejects.toThrow(CmaamError)
    const where = `https://hub.test/acme/bad/blob/${hub.repo('acme/bad').sha}/model.safetensors`
    await expect(bad).rejects.toThrow(`Invalid safetensors file ${where}: the header is not valid UTF-8 JSON`)

    hub.addRepo('acme/huge', {files: {'model.safetensors': Buffer.from([0, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3])}})
    await expect(inspectRemote({repo: 'acme/huge', revision: 'main', settings: hub.settings(cache)})).rejects.toThrow(
      /the header length 4294967296 exceeds the 100,000,000-byte limit$/,
    )
  })

  test('a tensor in two shards is an error', async () => {
    const shard = await safetensorsBytes([f32Tensor('x', [2])])
    hub.addRepo('acme/dup', {
      files: {
        'model.safetensors.index.json': JSON.stringify({metadata: {}, weight_map: {x: 'a.safetensors', y: 'b.safetensors'}}),
        'a.safetensors': shard,
        'b.safetensors': shard,
      },
    })
    await expect(inspectRemote({repo: 'acme/dup', revision: 'main', settings: hub.settings(cache)})).rejects.toThrow(
      'Tensor "x" of acme/dup@main is in both a.safetensors and b.safetensors',
    )
  })

  test('an index listing a shard the repo lacks is an error', async () => {
    hub.addRepo('acme/broken', {
      files: {'model.safetensors.index.json': JSON.stringify({weight_map: {x: 'model-00001-of-00002.safetensors'}})},
    })
    await expect(inspectRemote({repo: 'acme/broken', revision: 'main', settings: hub.settings(cache)})).rejects.toThrow(
      'model.safetensors.index.json of acme/broken@main lists model-00001-of-00002.safetensors, not in the repo',
    )
  })
})
