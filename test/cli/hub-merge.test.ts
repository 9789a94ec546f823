import {createHash} from 'node:crypto'
import {lstat, readdir, readFile, readlink, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join, relative} from 'node:path'
import nock from 'nock'
import {parse} from 'yaml'
import {useHubEnv} from '../hub/cli-env'
import {cmaam} from '../helpers/cli'
import {exampleRepos} from '../hub/example-repos'
import {tempDir} from '../hub/fixtures'
import {createMockHub, sha256, type MockHub} from '../hub/mock-hub'

const TOKEN = 'hf_e2eSecretToken_7f3a9c1b5d2e'
const SOURCE = 'acme/qwen2vl-ko-vqa'
const TARGET = 'acme/qwen2vl-base'
const PUSH = 'me/qwen2vl-merged'
/** What a merge reads from each repo: everything but the pickles and the notes. */
const MERGE_FILES = [
  'README.md',
  'chat_template.jinja',
  'config.json',
  'generation_config.json',
  'model-00001-of-00003.safetensors',
  'model-00002-of-00003.safetensors',
  'model-00003-of-00003.safetensors',
  'model.safetensors.index.json',
  'preprocessor_config.json',
  'special_tokens_map.json',
  'tokenizer.json',
  'tokenizer_config.json',
]
const TARGET_CARD = '---\nlicense: mit\npipeline_tag: visual-question-answering\n---\n\n# Base VLM\n'

let hub: MockHub
let work: string
let removeWork: () => Promise<void>
const setEnv = useHubEnv()

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(async () => {
  ;({dir: work, remove: removeWork} = await tempDir('cmaam-hub-e2e-'))
  const repos = await exampleRepos({family: 'qwen2vl', maxShardBytes: 200_000, targetCard: TARGET_CARD})
  hub = createMockHub({token: TOKEN, repos: {[SOURCE]: repos.source, [TARGET]: repos.target}})
  setEnv({
    HF_HOME: join(work, 'hf-home'),
    HF_HUB_CACHE: join(work, 'cache'),
    HF_ENDPOINT: hub.endpoint,
    HF_TOKEN: TOKEN,
  })
})
let cleanUp: string | null = null
afterEach(async () => {
  hub.close()
  await removeWork()
  if (cleanUp) await rm(cleanUp, {recursive: true, force: true})
  cleanUp = null
})

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listFiles(path)))
    else out.push(path)
  }
  return out
}

/** `hub merge`'s temporary folders (jest's process.env does not reach os.tmpdir(): the real one is used). */
async function temporaryFolders(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('cmaam-hub-merge-'))
}

async function fileSha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex')
}

/** The YAML front matter of a card, as `key → value or list`. */
function frontMatter(card: string): Record<string, string | string[]> {
  const block = /^---\n([\s\S]*?)\n---\n/.exec(card)?.[1] ?? ''
  const result: Record<string, string | string[]> = {}
  let list: string[] | null = null
  for (const line of block.split('\n')) {
    const item = /^- (.*)$/.exec(line)
    if (item && list) list.push(item[1].replace(/^"(.*)"$/, '$1'))
    const pair = /^([\w]+):\s*(.*)$/.exec(line)
    if (pair) {
      list = pair[2] === '' ? [] : null
      result[pair[1]] = list ?? pair[2]
    }
  }
  return result
}

describe('cmaam hub merge (end to end, mocked Hub)', () => {
  test('pulls both models into the cache, merges, publishes weights, card and config; the config replays byte for byte', async () => {
    const output = join(work, 'merged')
    const run = await cmaam(['hub', 'merge', '--source', SOURCE, '--target', TARGET, '--push', PUSH, '--output', output, '--shard-size', '200KB', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    const source = hub.repo(SOURCE)
    const target = hub.repo(TARGET)
    expect(result).toMatchObject({
      url: `${hub.endpoint}/${PUSH}`,
      repo: PUSH,
      output,
      source: {repo: SOURCE, revision: 'main', sha: source.sha},
      target: {repo: TARGET, revision: 'main', sha: target.sha},
    })
    expect(result.commit).toBe(hub.commits[0].sha)

    // The cache: huggingface_hub's layout, only what a merge reads, relative symlinks into blobs/.
    for (const [repo, mock] of [[SOURCE, source], [TARGET, target]] as const) {
      const root = join(work, 'cache', `models--${repo.replace('/', '--')}`)
      expect(await readFile(join(root, 'refs', 'main'), 'utf8')).toBe(mock.sha)
      const snapshot = join(root, 'snapshots', mock.sha)
      // The example fine-tune has no card of its own.
      const wanted = MERGE_FILES.filter((name) => mock.files.has(name))
      expect(wanted.length).toBe(repo === SOURCE ? MERGE_FILES.length - 1 : MERGE_FILES.length)
      expect((await readdir(snapshot)).sort()).toEqual(wanted)
      for (const name of wanted) {
        const file = mock.files.get(name)!
        const etag = file.lfs ? file.sha256 : file.oid
        expect((await lstat(join(snapshot, name))).isSymbolicLink()).toBe(true)
        expect(await readlink(join(snapshot, name))).toBe(`../../blobs/${etag}`)
        expect(await readFile(join(snapshot, name))).toEqual(file.content)
      }
      expect((await readdir(join(root, 'blobs'))).sort()).toEqual(
        wanted.map((name) => mock.files.get(name)!).map((file) => (file.lfs ? file.sha256 : file.oid)).sort(),
      )
    }
    // Pickles were never requested.
    expect(hub.requests.filter((r) => r.path.includes('.bin'))).toEqual([])

    // One commit to the new repo, with every file of the merged folder, byte for byte.
    expect(hub.commits).toHaveLength(1)
    const commit = hub.commits[0]
    expect(commit.repo).toBe(PUSH)
    expect(commit.summary).toBe(`Merge ${SOURCE} into ${TARGET} with cmaam`)
    const local = (await readdir(output)).sort()
    expect(commit.files.map((f) => f.path).sort()).toEqual(local)
    expect(local).toEqual(
      expect.arrayContaining(['README.md', 'cmaam_config.yaml', 'cmaam_merge_info.json', 'config.json', 'model.safetensors.index.json', 'tokenizer.json']),
    )
    const weights = local.filter((name) => name.endsWith('.safetensors'))
    expect(weights.length).toBeGreaterThan(1)
    for (const file of commit.files) {
      expect(file.sha256).toBe(await fileSha256(join(output, file.path)))
      // Weights travel through LFS (basic transfer: the mock offers no Xet).
      expect(file.lfs).toBe(file.path.endsWith('.safetensors'))
    }
    expect(hub.lfsBatches.every((batch) => batch.repo === PUSH)).toBe(true)

    // The model card: Hub front matter, inherited license and pipeline tag, repo ids and commits.
    const card = await readFile(join(output, 'README.md'), 'utf8')
    expect(frontMatter(card)).toEqual({
      base_model: [TARGET, SOURCE],
      base_model_relation: 'merge',
      library_name: 'transformers',
      pipeline_tag: 'visual-question-answering',
      license: 'mit',
      tags: ['merge', 'cmaam', 'qwen2_vl'],
    })
    expect(card).toContain(`[${SOURCE} @ \`${source.sha.slice(0, 12)}\`](https://huggingface.co/${SOURCE})`)
    expect(card).toContain(`cmaam merge --source ${SOURCE}@${source.sha} --target ${TARGET}@${target.sha} --output merged --shard-size 200KB`)
    expect(card).not.toContain(work)

    const info = JSON.parse(await readFile(join(output, 'cmaam_merge_info.json'), 'utf8'))
    expect(info).toMatchObject({source: SOURCE, target: TARGET, revisions: {source: source.sha, target: target.sha}})

    // cmaam_config.yaml names the inputs by repo id and commit, and `cmaam merge --config` replays it.
    const config = await readFile(join(output, 'cmaam_config.yaml'), 'utf8')
    expect(config).toContain(`source: ${SOURCE}@${source.sha}\ntarget: ${TARGET}@${target.sha}\nmethod: cmaam\n`)
    expect(config).not.toContain(work)
    const replay = join(work, 'replay')
    const replayed = await cmaam(['merge', '--config', join(output, 'cmaam_config.yaml'), '--output', replay, '--quiet'])
    expect(replayed.stderr).toBe('')
    expect(replayed.code).toBe(0)
    for (const name of weights) expect(await fileSha256(join(replay, name))).toBe(await fileSha256(join(output, name)))
    expect(await readFile(join(replay, 'cmaam_config.yaml'), 'utf8')).toBe(config)

    // The token: sent to the Hub, and nowhere else.
    expect(hub.requestsTo('POST', '/commit/main')[0].headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(hub.requests.filter((r) => r.host === 'cdn.hub.test' && r.headers.authorization)).toEqual([])
    const written = [...(await listFiles(work)), ...(await listFiles(replay))]
    for (const path of written) expect({path: relative(work, path), hasToken: (await readFile(path)).includes(TOKEN)}).toEqual({path: relative(work, path), hasToken: false})
    for (const [path, file] of hub.repo(PUSH).files) expect({path, hasToken: file.content.includes(TOKEN)}).toEqual({path, hasToken: false})
    for (const text of [run.stdout, run.stderr, replayed.stdout, replayed.stderr]) expect(text).not.toContain(TOKEN)
  })

  test('without --output, the merged folder is temporary: removed once the upload succeeded', async () => {
    const before = await temporaryFolders()
    const run = await cmaam(['hub', 'merge', '-s', SOURCE, '-t', TARGET, '--push', PUSH, '--method', 'linear', '--alpha', '0.3', '--private'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe(`${hub.endpoint}/${PUSH}`)
    expect(await temporaryFolders()).toEqual(before)
    expect(hub.commits[0].files.map((f) => f.path)).toContain('model.safetensors')
    expect(hub.repo(PUSH).private).toBe(true)
    const card = hub.repo(PUSH).files.get('README.md')!.content.toString()
    expect(card).toContain(`cmaam merge --source ${SOURCE}@${hub.repo(SOURCE).sha} --target ${TARGET}@${hub.repo(TARGET).sha} --output qwen2vl-merged --method linear --alpha 0.3`)
    expect(card).toMatch(/^# qwen2vl-merged$/m)
    expect(hub.repo(PUSH).files.get('cmaam_config.yaml')!.content.toString()).toContain('method: linear\nalpha: 0.3\n')
  })

  test('--config takes a mergekit config; the published folder has mergekit_config.yml and the card says so', async () => {
    const config = join(work, 'mergekit.yml')
    await writeFile(config, `merge_method: slerp\nbase_model: ${TARGET}\nmodels:\n  - model: ${TARGET}\n  - model: ${SOURCE}\nparameters:\n  t:\n    - filter: self_attn\n      value: 0.2\n    - value: 0.6\n`)
    const run = await cmaam(['hub', 'merge', '--config', config, '--push', PUSH, '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).merge.config.methods.language).toEqual({method: 'slerp', params: {t: '0.6,self_attn=0.2'}})
    const files = hub.repo(PUSH).files
    expect(files.get('cmaam_config.yaml')!.content.toString()).toContain('method: slerp\nt: "0.6,self_attn=0.2"\n')
    expect(parse(files.get('mergekit_config.yml')!.content.toString())).toMatchObject({merge_method: 'slerp', parameters: {t: [{filter: 'self_attn', value: 0.2}, {value: 0.6}]}})
    expect(files.get('README.md')!.content.toString()).toContain('`mergekit_config.yml` holds the same merge')

    await writeFile(config, `merge_method: ties\nbase_model: ${TARGET}\nmodels:\n  - model: ${SOURCE}\n    parameters: {weight: 1}\n  - model: ${SOURCE}-2\n    parameters: {weight: 1}\n`)
    const two = await cmaam(['hub', 'merge', '--config', config, '--push', PUSH])
    expect(two.code).toBe(1)
    expect(two.stderr).toContain(`${config} merges several sources; hub merge publishes a merge of one source`)
  })

  test('a failed upload keeps the merged folder and prints the command that retries it, which works', async () => {
    hub.injectFault({method: 'PUT', path: /^\/lfs-upload\//, reply: {status: 400, body: 'upload session expired'}})
    const run = await cmaam(['hub', 'merge', '-s', SOURCE, '-t', TARGET, '--push', PUSH, '--method', 'linear'])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).not.toMatch(/^\s+at /m)
    const lines = run.stderr.trim().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^Error: The merge succeeded but the upload to ${PUSH} failed: `))
    expect(lines[0]).toContain('(HTTP 400)')
    const retry = /run: (cmaam hub push (\S+) me\/qwen2vl-merged)$/.exec(lines[lines.length - 1])
    expect(retry).not.toBeNull()
    const kept = retry![2]
    expect(dirname(dirname(kept))).toBe(tmpdir())
    expect(kept).toMatch(/\/cmaam-hub-merge-\w+\/qwen2vl-merged$/)
    cleanUp = dirname(kept)
    expect((await readdir(kept)).sort()).toEqual(expect.arrayContaining(['README.md', 'cmaam_config.yaml', 'config.json', 'model.safetensors']))
    expect(hub.commits).toEqual([])

    const pushed = await cmaam(['hub', 'push', kept, PUSH])
    expect(pushed.stderr).toBe('')
    expect(pushed.code).toBe(0)
    expect(pushed.stdout.trim()).toBe(`${hub.endpoint}/${PUSH}`)
    expect(hub.commits[0].files.map((f) => f.path).sort()).toEqual((await readdir(kept)).sort())
    for (const file of hub.commits[0].files) expect(file.sha256).toBe(sha256(await readFile(join(kept, file.path))))
    expect((await stat(kept)).isDirectory()).toBe(true)
  })
})
