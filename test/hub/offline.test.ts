import {rm, symlink, mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import nock from 'nock'
import {CmaamError} from '../../src/errors'
import {downloadModel} from '../../src/hub/download-model'
import {inspectRemote} from '../../src/hub/inspect-remote'
import {tempDir} from './fixtures'
import {createMockHub, type MockHub, type StoredFile} from './mock-hub'
import {shardedRepo, singleFileRepo} from './sample-repos'

let hub: MockHub
let cache: string
let removeCache: () => Promise<void>

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(async () => {
  ;({dir: cache, remove: removeCache} = await tempDir())
  hub = createMockHub({repos: {'acme/vlm': await singleFileRepo({refs: ['v1.0']}), 'acme/sharded': await shardedRepo()}})
})
afterEach(async () => {
  hub.close()
  await removeCache()
})

const offline = (): ReturnType<MockHub['settings']> => hub.settings(cache, {offline: true})

describe('downloadModel offline', () => {
  test('finds a downloaded model through refs/<revision> without any request', async () => {
    const online = await downloadModel({repo: 'acme/vlm', revision: 'v1.0', settings: hub.settings(cache)})
    const before = hub.requests.length
    const found = await downloadModel({repo: 'acme/vlm', revision: 'v1.0', settings: offline()})
    expect(found).toEqual({...online, files: expect.arrayContaining(online.files)})
    expect(found.files).toHaveLength(online.files.length)
    expect(hub.requests).toHaveLength(before)

    // A commit sha needs no ref.
    const bySha = await downloadModel({repo: 'acme/vlm', revision: online.sha, settings: offline()})
    expect(bySha.dir).toBe(online.dir)
    expect(hub.requests).toHaveLength(before)
  })

  test('finds a snapshot that huggingface_hub wrote', async () => {
    const {sha} = hub.repo('acme/vlm')
    const root = join(cache, 'models--acme--vlm')
    await mkdir(join(root, 'blobs'), {recursive: true})
    await mkdir(join(root, 'snapshots', sha), {recursive: true})
    await mkdir(join(root, 'refs'))
    await writeFile(join(root, 'refs', 'main'), sha)
    for (const path of ['config.json', 'model.safetensors']) {
      const file = hub.repo('acme/vlm').files.get(path) as StoredFile
      const etag = file.lfs ? file.sha256 : file.oid
      await writeFile(join(root, 'blobs', etag), file.content)
      await symlink(`../../blobs/${etag}`, join(root, 'snapshots', sha, path))
    }
    const found = await downloadModel({repo: 'acme/vlm', revision: 'main', settings: offline()})
    expect(found).toEqual({dir: join(root, 'snapshots', sha), sha, files: ['config.json', 'model.safetensors']})
    expect(hub.requests).toEqual([])
  })

  test('a model never downloaded: says which repo and revision, and that offline mode is on', async () => {
    const failure = downloadModel({repo: 'acme/vlm', revision: 'main', settings: offline()})
    await expect(failure).rejects.toThrow(CmaamError)
    await expect(failure).rejects.toThrow('Offline mode is on (HF_HUB_OFFLINE) and acme/vlm@main is not in the cache')
    await expect(failure).rejects.toMatchObject({hint: expect.stringContaining(cache)})

    await downloadModel({repo: 'acme/vlm', revision: 'main', settings: hub.settings(cache)})
    await expect(downloadModel({repo: 'acme/vlm', revision: 'v2.0', settings: offline()})).rejects.toThrow(
      'Offline mode is on (HF_HUB_OFFLINE) and acme/vlm@v2.0 is not in the cache',
    )
    expect(hub.requests.filter((r) => r.path.includes('v2.0'))).toEqual([])
  })

  test('an incomplete snapshot: names exactly the missing files', async () => {
    const online = await downloadModel({repo: 'acme/sharded', revision: 'main', settings: hub.settings(cache)})
    const shard = hub.repo('acme/sharded').files.get('model-00002-of-00002.safetensors') as StoredFile
    // The blob is gone (e.g. cleaned by `huggingface-cli delete-cache`): the symlink dangles.
    await rm(join(cache, 'models--acme--sharded', 'blobs', shard.sha256))
    const before = hub.requests.length
    await expect(downloadModel({repo: 'acme/sharded', revision: 'main', settings: offline()})).rejects.toThrow(
      `Offline mode is on (HF_HUB_OFFLINE) and the cache of acme/sharded@main (${online.sha}) lacks model-00002-of-00002.safetensors`,
    )

    await rm(join(online.dir, 'model-00001-of-00002.safetensors'))
    await expect(downloadModel({repo: 'acme/sharded', revision: 'main', settings: offline()})).rejects.toThrow(
      /lacks model-00001-of-00002\.safetensors, model-00002-of-00002\.safetensors$/,
    )

    await rm(join(online.dir, 'model.safetensors.index.json'))
    await expect(downloadModel({repo: 'acme/sharded', revision: 'main', settings: offline()})).rejects.toThrow(
      /lacks its weights: model\.safetensors, or model\.safetensors\.index\.json and its shards$/,
    )
    expect(hub.requests).toHaveLength(before)
  })

  test('inspectRemote reads the headers from the cache', async () => {
    const online = await inspectRemote({repo: 'acme/sharded', revision: 'main', settings: hub.settings(cache)})
    await downloadModel({repo: 'acme/sharded', revision: 'main', settings: hub.settings(cache)})
    const before = hub.requests.length
    const cached = await inspectRemote({repo: 'acme/sharded', revision: 'main', settings: offline()})
    expect(cached).toEqual({...online, files: expect.arrayContaining(online.files), cachedBytes: online.downloadBytes})
    expect(hub.requests).toHaveLength(before)
  })
})
