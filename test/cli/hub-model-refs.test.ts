import {cp, mkdir, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import nock from 'nock'
import {familyLayout, TINY_DIMS} from '../../src/example/families'
import {useHubEnv} from '../hub/cli-env'
import {cmaam, type CliRun} from '../helpers/cli'
import {exampleRepos} from '../hub/example-repos'
import {tempDir} from '../hub/fixtures'
import {createMockHub, type MockHub} from '../hub/mock-hub'

const TOKEN = 'hf_refsWriteToken_0a1b2c3d4e5f'
const READ_TOKEN = 'hf_refsReadToken_9z8y7x6w5v'
const GRANTED = 'hf_refsGrantedToken_5k4j3h2g'
const SOURCE = 'acme/llava-ft'
const TARGET = 'acme/llava-base'

let hub: MockHub
let work: string
let removeWork: () => Promise<void>
const setEnv = useHubEnv()

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(async () => {
  ;({dir: work, remove: removeWork} = await tempDir('cmaam-hub-refs-'))
  const repos = await exampleRepos({family: 'llava', maxShardBytes: 150_000})
  hub = createMockHub({
    token: TOKEN,
    readToken: READ_TOKEN,
    repos: {
      [SOURCE]: {...repos.source, refs: ['v1.0']},
      [TARGET]: repos.target,
      'acme/private-ft': {...repos.source, private: true},
      'acme/gated-ft': {...repos.source, gated: true, grantedTokens: [GRANTED]},
    },
  })
  setEnv({HF_HOME: join(work, 'hf-home'), HF_HUB_CACHE: join(work, 'cache'), HF_ENDPOINT: hub.endpoint})
})
afterEach(async () => {
  hub.close()
  await removeWork()
})

/** One `Error:` line and its hint: no stack trace, no "bug" notice, never a token. */
function expectOneLineError(run: CliRun, message: string | RegExp): void {
  expect(run.code).toBe(1)
  expect(run.stdout).toBe('')
  const [first, ...rest] = run.stderr.trim().split('\n')
  expect(first).toMatch(typeof message === 'string' ? new RegExp(`^Error: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : message)
  expect(rest.length).toBeLessThanOrEqual(2)
  expect(run.stderr).not.toMatch(/^\s+at /m)
  expect(run.stderr).not.toContain('bug in cmaam')
  for (const token of [TOKEN, READ_TOKEN, GRANTED]) expect(run.stderr).not.toContain(token)
}

const bearers = (): Array<string | undefined> => [...new Set(hub.requests.filter((r) => r.host === 'hub.test').map((r) => r.headers.authorization))]

describe('model references on merge, analyze and inspect', () => {
  test('merge takes Hub repos (with a revision) and local folders; reports name Hub models by repo id and commit', async () => {
    const output = join(work, 'merged')
    const run = await cmaam(['merge', '--source', `${SOURCE}@v1.0`, '--target', TARGET, '--output', output, '--method', 'linear', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const {sha: sourceSha} = hub.repo(SOURCE)
    const {sha: targetSha} = hub.repo(TARGET)
    expect(JSON.parse(run.stdout)).toMatchObject({source: SOURCE, target: TARGET, revisions: {source: sourceSha, target: targetSha}, output})
    expect(await readFile(join(work, 'cache', 'models--acme--llava-ft', 'refs', 'v1.0'), 'utf8')).toBe(sourceSha)
    const card = await readFile(join(output, 'README.md'), 'utf8')
    expect(card).toContain(`base_model:\n- ${TARGET}\n- ${SOURCE}\n`)
    expect(card).toContain(`cmaam merge --source ${SOURCE}@${sourceSha} --target ${TARGET}@${targetSha} --output merged --method linear`)
    expect(card).not.toContain(work)

    // A local copy outside the cache is named as given; only the Hub input is linked and pinned.
    const local = join(work, 'local-ft')
    await cp(join(work, 'cache', 'models--acme--llava-ft', 'snapshots', sourceSha), local, {recursive: true, dereference: true})
    const mixed = await cmaam(['merge', '-s', local, '-t', TARGET, '-o', join(work, 'mixed'), '--method', 'linear', '--json'])
    expect(mixed.code).toBe(0)
    const record = JSON.parse(mixed.stdout)
    expect(record).toMatchObject({source: local, target: TARGET, revisions: {target: targetSha}})
    expect(record.revisions.source).toBeUndefined()
    const mixedCard = await readFile(join(work, 'mixed', 'README.md'), 'utf8')
    expect(mixedCard).toContain(`\`local-ft\` (a local model) (source) into [${TARGET} @ \`${targetSha.slice(0, 12)}\`](https://huggingface.co/${TARGET})`)
    expect(mixedCard).not.toContain(work)

    // A folder inside the Hugging Face cache (e.g. downloaded by Python) is named by its repo id and commit.
    const snapshot = join(work, 'cache', 'models--acme--llava-ft', 'snapshots', sourceSha)
    const cached = await cmaam(['merge', '-s', snapshot, '-t', TARGET, '-o', join(work, 'cached'), '--method', 'linear', '--json'])
    expect(JSON.parse(cached.stdout)).toMatchObject({source: SOURCE, target: TARGET, revisions: {source: sourceSha, target: targetSha}})
    expect(await readFile(join(work, 'cached', 'README.md'), 'utf8')).toContain(`cmaam merge --source ${SOURCE}@${sourceSha} --target ${TARGET}@${targetSha}`)
    // Same weights whichever way the inputs were named.
    expect(await readFile(join(work, 'mixed', 'model.safetensors'))).toEqual(await readFile(join(output, 'model.safetensors')))
    expect(await readFile(join(work, 'cached', 'model.safetensors'))).toEqual(await readFile(join(output, 'model.safetensors')))
  })

  test('analyze takes Hub repos and names them by repo id', async () => {
    const run = await cmaam(['analyze', '-s', SOURCE, '-t', TARGET, '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const record = JSON.parse(run.stdout)
    expect(record).toMatchObject({source: SOURCE, target: TARGET, model_type: 'llava', revisions: {source: hub.repo(SOURCE).sha, target: hub.repo(TARGET).sha}})
    expect(record.analysis.alignment.overall.score).toBeGreaterThan(0)
  })

  test('adapters test classifies a Hub repo from its headers, without downloading weights', async () => {
    const run = await cmaam(['adapters', 'test', 'llava', TARGET, '--strict', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report).toMatchObject({model: TARGET, adapter: 'llava', unmatched_names: []})
    expect(report.towers.map((t: {component: string}) => t.component)).toEqual(['vision', 'bridge', 'language', 'shared'])
    expect(report.tensors).toBe(familyLayout('llava', TINY_DIMS).tensors.length)
    expect(report.towers.reduce((n: number, t: {tensors: number}) => n + t.tensors, 0)).toBe(report.tensors)
    await expect(stat(join(work, 'cache', 'models--acme--llava-base', 'blobs'))).rejects.toThrow()
  })

  test('inspect org/name reads headers with Range requests only, and says what a merge would download', async () => {
    const run = await cmaam(['inspect', TARGET, '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const remote = JSON.parse(run.stdout)
    const repo = hub.repo(TARGET)
    const weights = [...repo.files.keys()].filter((path) => path.endsWith('.safetensors'))
    expect(weights.length).toBeGreaterThan(1)

    // No weight was downloaded: every request for a shard's bytes asked for a small range.
    const content = hub.requests.filter((r) => r.method === 'GET' && (r.host === 'cdn.hub.test' || r.path.includes('/resolve/')))
    expect(content.length).toBeGreaterThan(0)
    for (const request of content.filter((r) => r.host === 'cdn.hub.test' || r.path.endsWith('.safetensors'))) {
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '')
      expect(range).not.toBeNull()
      expect(Number(range![2]) - Number(range![1])).toBeLessThan(20_000)
    }
    expect(content.filter((r) => r.path.includes('/resolve/') && !r.path.endsWith('.safetensors')).map((r) => r.path.split('/').pop())).toEqual(['model.safetensors.index.json', 'config.json'])
    await expect(stat(join(work, 'cache', 'models--acme--llava-base', 'blobs'))).rejects.toThrow()

    // The core shape, plus the Hub's numbers.
    expect(Object.keys(remote)).toEqual(expect.arrayContaining(['model_type', 'tensors', 'counts', 'parameters', 'dtypes', 'hub']))
    expect(remote.model_type).toBe('llava')
    expect(remote.model_type_reason).toContain('config.json')
    for (const tensor of remote.tensors) expect(Object.keys(tensor)).toEqual(['name', 'component', 'layer', 'dtype', 'shape'])
    expect(remote.tensors.some((t: {layer: number | null}) => t.layer === 1)).toBe(true)
    const mergeFiles = [...repo.files.keys()].filter((path) => !/\.(bin|md)$/.test(path) || path === 'README.md')
    expect([...remote.hub.files].sort()).toEqual(mergeFiles.sort())
    expect(remote.hub).toMatchObject({
      repo: TARGET,
      revision: 'main',
      sha: repo.sha,
      download_bytes: mergeFiles.reduce((sum, path) => sum + repo.files.get(path)!.size, 0),
      cached_bytes: 0,
    })
    expect(remote.hub.total_parameters).toBe(Object.values(remote.parameters as Record<string, number>).reduce((a, b) => a + b, 0))
    expect(remote.dtypes).toEqual({BF16: remote.tensors.length})

    // The same report as for the downloaded folder; now all of it is cached.
    const pulled = await cmaam(['hub', 'pull', TARGET])
    const local = JSON.parse((await cmaam(['inspect', pulled.stdout.trim(), '--json'])).stdout)
    const again = JSON.parse((await cmaam(['inspect', TARGET, '--json'])).stdout)
    const {hub: _hub, ...core} = again
    expect(core).toEqual(local)
    expect(again.hub.cached_bytes).toBe(again.hub.download_bytes)

    const text = await cmaam(['inspect', TARGET])
    expect(text.stdout).toMatch(/hub {8}acme\/llava-base@main \(commit [0-9a-f]{40}\)/)
    expect(text.stdout).toMatch(/download {3}a merge reads .* in 12 files; .* already in the cache/)
  })

  test('hub pull prints the snapshot folder; --json adds the commit and the files', async () => {
    const plain = await cmaam(['hub', 'pull', `${SOURCE}@v1.0`])
    expect(plain.code).toBe(0)
    const sha = hub.repo(SOURCE).sha
    const snapshot = join(work, 'cache', 'models--acme--llava-ft', 'snapshots', sha)
    expect(plain.stdout).toBe(`${snapshot}\n`)
    const json = JSON.parse((await cmaam(['hub', 'pull', SOURCE, '--json'])).stdout)
    expect(json).toEqual({repo: SOURCE, revision: 'main', sha, path: snapshot, files: expect.any(Array)})
    expect([...json.files].sort()).toEqual((await readdir(snapshot)).sort())
    expect(json.files).not.toContain('pytorch_model.bin')
  })
})

describe('tokens', () => {
  test('--token wins over HF_TOKEN, which wins over HF_TOKEN_PATH, which wins over HF_HOME/token', async () => {
    await mkdir(join(work, 'hf-home'), {recursive: true})
    await writeFile(join(work, 'hf-home', 'token'), `${GRANTED}\n`)
    await writeFile(join(work, 'token-file'), `${READ_TOKEN}\n`)
    const pull = async (args: string[] = []): Promise<Array<string | undefined>> => {
      hub.requests.length = 0
      await rm(join(work, 'cache'), {recursive: true, force: true})
      const run = await cmaam(['hub', 'pull', TARGET, ...args])
      expect(run.code).toBe(0)
      for (const token of [TOKEN, READ_TOKEN, GRANTED]) expect(run.stdout + run.stderr).not.toContain(token)
      return bearers()
    }
    expect(await pull()).toEqual([`Bearer ${GRANTED}`])
    setEnv({HF_TOKEN_PATH: join(work, 'token-file')})
    expect(await pull()).toEqual([`Bearer ${READ_TOKEN}`])
    setEnv({HF_TOKEN: TOKEN})
    expect(await pull()).toEqual([`Bearer ${TOKEN}`])
    expect(await pull(['--token', GRANTED])).toEqual([`Bearer ${GRANTED}`])
  })

  test('an invalid token is reported without being shown', async () => {
    const bad = 'hf_notAValidToken_123456'
    const run = await cmaam(['inspect', TARGET, '--token', bad])
    expectOneLineError(run, 'The Hugging Face token is invalid or expired')
    expect(run.stderr).not.toContain(bad)
  })
})

describe('offline mode (HF_HUB_OFFLINE=1)', () => {
  test('says what is missing, makes no request, and works from the cache once downloaded', async () => {
    setEnv({HF_HUB_OFFLINE: '1'})
    const missing = await cmaam(['merge', '-s', SOURCE, '-t', TARGET, '-o', join(work, 'out')])
    expectOneLineError(missing, `Offline mode is on (HF_HUB_OFFLINE) and ${SOURCE}@main is not in the cache`)
    expect(missing.stderr).toContain('Unset HF_HUB_OFFLINE')
    expect(hub.requests).toEqual([])

    delete process.env.HF_HUB_OFFLINE
    expect((await cmaam(['hub', 'pull', SOURCE])).code).toBe(0)
    expect((await cmaam(['hub', 'pull', TARGET])).code).toBe(0)
    setEnv({HF_HUB_OFFLINE: '1'})
    hub.requests.length = 0
    const merged = await cmaam(['merge', '-s', SOURCE, '-t', TARGET, '-o', join(work, 'out'), '--method', 'linear', '--quiet'])
    expect(merged.stderr).toBe('')
    expect(merged.code).toBe(0)
    const inspected = await cmaam(['inspect', TARGET, '--json'])
    expect(inspected.code).toBe(0)
    expect(hub.requests).toEqual([])

    const push = await cmaam(['hub', 'merge', '-s', SOURCE, '-t', TARGET, '--push', 'me/out', '--token', TOKEN])
    expectOneLineError(push, 'Offline mode is on (HF_HUB_OFFLINE): cannot publish to me/out')
  })
})

describe('Hub errors are one readable line', () => {
  test('401: a private repo without a token', async () => {
    expectOneLineError(await cmaam(['hub', 'pull', 'acme/private-ft']), 'acme/private-ft requires a token: set HF_TOKEN or pass --token')
  })

  test('403: pushing with a read-only token says so', async () => {
    await cmaam(['hub', 'pull', TARGET])
    const snapshot = join(work, 'cache', 'models--acme--llava-base', 'snapshots', hub.repo(TARGET).sha)
    const run = await cmaam(['hub', 'push', snapshot, 'me/copy', '--token', READ_TOKEN])
    expectOneLineError(run, /^Error: .*(no write access|rights).*me/)
    expect(hub.commits).toEqual([])
  })

  test('404: an unknown repo, an unknown revision', async () => {
    setEnv({HF_TOKEN: TOKEN})
    expectOneLineError(await cmaam(['inspect', 'acme/nope']), `Repo acme/nope not found on ${hub.endpoint}`)
    expectOneLineError(await cmaam(['hub', 'pull', `${TARGET}@no-such-branch`]), `Revision "no-such-branch" not found in ${TARGET}`)
  })

  test('gated: says so and links the page to request access', async () => {
    setEnv({HF_TOKEN: READ_TOKEN})
    const run = await cmaam(['analyze', '-s', 'acme/gated-ft', '-t', TARGET])
    expectOneLineError(run, 'acme/gated-ft is a gated model and the account of this token has not been granted access to it')
    expect(run.stderr).toContain(`${hub.endpoint}/acme/gated-ft`)
    setEnv({HF_TOKEN: GRANTED})
    expect((await cmaam(['analyze', '-s', 'acme/gated-ft', '-t', TARGET, '--quiet'])).code).toBe(0)
  })

  test('hub merge needs a token with write access before downloading anything', async () => {
    const run = await cmaam(['hub', 'merge', '-s', SOURCE, '-t', TARGET, '--push', 'me/out'])
    expectOneLineError(run, 'Publishing to the Hub requires a token: set HF_TOKEN or pass --token')
    expect(hub.requests).toEqual([])
  })
})

describe('hub push refuses what is not a complete model', () => {
  async function model(dir: string): Promise<string> {
    const out = join(work, dir)
    const made = await cmaam(['merge', '-s', SOURCE, '-t', TARGET, '-o', out, '--method', 'linear', '--shard-size', '100KB', '--quiet'])
    expect(made.code).toBe(0)
    return out
  }

  test.each([
    ['no config.json', async (dir: string) => rm(join(dir, 'config.json')), 'it has no config.json'],
    ['no weights', async (dir: string) => {
      for (const name of await readdir(dir)) if (name.includes('.safetensors')) await rm(join(dir, name))
    }, 'its weights are incomplete: No safetensors weights'],
    ['an index naming a missing shard', async (dir: string) => rm(join(dir, 'model-00002-of-00004.safetensors')), 'its weights are incomplete: Missing shard'],
  ])('%s', async (_name, damage, message) => {
    setEnv({HF_TOKEN: TOKEN})
    const dir = await model('merged')
    expect(await readdir(dir)).toContain('model-00002-of-00004.safetensors')
    await damage(dir)
    hub.requests.length = 0
    expectOneLineError(await cmaam(['hub', 'push', dir, 'me/out']), `Refusing to upload ${dir}: ${message}`)
    expect(hub.requests).toEqual([])
  })

  test('the working folder of an unfinished merge', async () => {
    setEnv({HF_TOKEN: TOKEN})
    const dir = join(work, '.merged.cmaam-partial-123-abcd')
    await mkdir(dir)
    await writeFile(join(dir, 'config.json'), '{}')
    expectOneLineError(await cmaam(['hub', 'push', dir, 'me/out']), `Refusing to upload ${dir}: it is the working folder of a merge that has not finished`)
    expect(hub.requests).toEqual([])
  })
})
