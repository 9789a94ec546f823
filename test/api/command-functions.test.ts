import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import nock from 'nock'
// The package by its name, as a user's code imports it (package.json `exports` → dist/index.js).
import * as lib from 'cmaam'
import {writeCorpus} from '../data/corpus'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'
import {useHubEnv} from '../hub/cli-env'
import {exampleRepos} from '../hub/example-repos'
import {createMockHub, type MockHub} from '../hub/mock-hub'

/**
 * The library function of each command that had none, imported from the package entry and run on
 * the example pair: it resolves to what the command prints with `--json` and writes the same files.
 */
const TOKEN = 'hf_libraryToken_5b6c7d8e9f0a'

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** Relative path → sha256 of every file under `dir`. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, {withFileTypes: true})) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) out[relative(dir, path)] = sha256(path)
    }
  }
  walk(dir)
  return out
}

/** JSON as a script would read it, with one folder renamed to another. */
function moved(value: unknown, from: string, to: string): unknown {
  return JSON.parse(JSON.stringify(value).split(from).join(to))
}

describe('the command functions of the package entry', () => {
  const tmp = useTempDir()

  it('generateExample writes the pairs `cmaam example` writes and resolves to its --json', async () => {
    const dir = tmp()
    const pairs = await lib.generateExample({family: ['qwen2vl', 'llava'], out: join(dir, 'lib'), seed: 3})
    expect(pairs.map((p) => [p.family, p.target, p.source])).toEqual([
      ['qwen2vl', join(dir, 'lib', 'qwen2vl', 'target'), join(dir, 'lib', 'qwen2vl', 'source')],
      ['llava', join(dir, 'lib', 'llava', 'target'), join(dir, 'lib', 'llava', 'source')],
    ])
    for (const pair of pairs) {
      const header = readFileSync(join(pair.source, 'model.safetensors'))
      expect(pair.bytes).toBeGreaterThan(0)
      expect(header.length).toBeGreaterThan(8)
    }
    const cli = await cmaam(['example', '--family', 'qwen2vl', '--out', join(dir, 'cli'), '--seed', '3', '--json'])
    expect(cli.code).toBe(0)
    expect(JSON.parse(cli.stdout)).toEqual(moved([pairs[0]], join(dir, 'lib'), join(dir, 'cli')))
    expect(tree(join(dir, 'cli', 'qwen2vl'))).toEqual(tree(join(dir, 'lib', 'qwen2vl')))
    await expect(lib.generateExample({family: 'gpt' as never, out: dir})).rejects.toThrow('--family')
  })

  it('prepareData splits a corpus as `cmaam data prepare` does', async () => {
    const dir = tmp()
    writeCorpus(join(dir, 'corpus'), [
      {name: 'a.jsonl', items: 40, broken: [2]},
      {name: 'b.jsonl', items: 20},
    ])
    writeFileSync(join(dir, 'categories.json'), JSON.stringify({first: ['a.jsonl'], second: ['b.jsonl']}))
    const record = await lib.prepareData({source: join(dir, 'corpus'), output: join(dir, 'lib'), categories: join(dir, 'categories.json'), maxPerCategory: 15, seed: 7})
    // 15 of a (39 valid) + 15 of b (20), split 90/5/5 by count.
    expect(record.metadata.total_samples).toBe(30)
    expect(record.metadata.category_counts).toEqual({first: 15, second: 15})
    expect(record.files.find((f) => f.file === 'a.jsonl')?.broken).toBe(1)
    const cli = await cmaam(['data', 'prepare', '-s', join(dir, 'corpus'), '-o', join(dir, 'cli'), '--categories', join(dir, 'categories.json'), '--max-per-category', '15', '--seed', '7', '--json'])
    expect(cli.code).toBe(0)
    expect(JSON.parse(cli.stdout)).toEqual(moved(record, join(dir, 'lib'), join(dir, 'cli')))
    for (const split of ['train.jsonl', 'val.jsonl', 'test.jsonl']) expect(sha256(join(dir, 'cli', split))).toBe(sha256(join(dir, 'lib', split)))
    // A map given as an object is the file's map.
    const fromObject = await lib.prepareData({source: join(dir, 'corpus'), output: join(dir, 'object'), categories: {first: ['a.jsonl'], second: ['b.jsonl']}, maxPerCategory: 15, seed: 7})
    expect(moved(fromObject, join(dir, 'object'), join(dir, 'lib'))).toEqual(JSON.parse(JSON.stringify(record)))
  })

  it('experiment runs the pipeline on the example answer pair and resolves to report.json', async () => {
    const dir = tmp()
    const pair = await lib.generateAnswerPair({dir: join(dir, 'pair'), answers: {target: {text: 'no', image: 'x'}, source: {text: 'yes', image: 'a'}}, dtype: 'F32'})
    mkdirSync(join(dir, 'data'))
    const items = [
      {messages: [{role: 'user', content: 'Is it right?'}, {role: 'assistant', content: 'yes'}], category: 'a'},
      {messages: [{role: 'user', content: 'Is the sky green?'}, {role: 'assistant', content: 'no'}], category: 'b'},
    ]
    writeFileSync(join(dir, 'data', 'test.jsonl'), items.map((item) => JSON.stringify(item)).join('\n') + '\n')
    const steps: string[] = []
    const report = await lib.experiment({
      base: pair.target,
      finetuned: pair.source,
      data: join(dir, 'data'),
      output: join(dir, 'exp'),
      linearAlphas: [0.3],
      maxNewTokens: 4,
      device: 'cpu',
      onStep: (event) => steps.push(`${event.state} ${event.id}`),
    })
    expect(report.models.map((m) => m.name)).toEqual(['base', 'finetuned', 'cmaam', 'linear-0.3'])
    // The base answers "no" to everything, the fine-tune "yes": one of two right each.
    expect(report.results[0].metrics.slice(0, 2).map((m) => m.exact_match_accuracy)).toEqual([0.5, 0.5])
    expect(report.settings.base_alpha).toBe(0.3)
    expect(JSON.parse(readFileSync(join(dir, 'exp', 'report.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)))
    expect(steps.filter((s) => s.startsWith('done ')).length).toBe(report.steps.length)
    // The command on the same folder reuses every step and prints the same report.
    const cli = await cmaam(['experiment', '--base', pair.target, '--finetuned', pair.source, '--data', join(dir, 'data'), '--output', join(dir, 'exp'), '--linear-alphas', '0.3', '--max-new-tokens', '4', '--device', 'cpu', '--json'])
    expect(cli.code).toBe(0)
    const again = JSON.parse(cli.stdout)
    expect(again.steps.every((s: {reused: boolean}) => s.reused)).toBe(true)
    expect({...again, steps: null}).toEqual({...JSON.parse(JSON.stringify(report)), steps: null})
  })

  describe('on a mocked Hub', () => {
    const setEnv = useHubEnv()
    let hub: MockHub
    beforeAll(() => nock.disableNetConnect())
    afterAll(() => nock.enableNetConnect())
    beforeEach(async () => {
      const repos = await exampleRepos({family: 'qwen2vl'})
      hub = createMockHub({token: TOKEN, repos: {'acme/ft': repos.source, 'acme/base': repos.target}})
      setEnv({HF_HOME: join(tmp(), 'home'), HF_HUB_CACHE: join(tmp(), 'cache'), HF_ENDPOINT: hub.endpoint})
    })
    afterEach(() => hub.close())

    it('hubPull brings what a merge reads into the cache, as `cmaam hub pull --json` prints it', async () => {
      const pulled = await lib.hubPull({model: 'acme/base', token: TOKEN})
      const repo = hub.repo('acme/base')
      expect(pulled).toEqual({
        repo: 'acme/base',
        revision: 'main',
        sha: repo.sha,
        path: join(tmp(), 'cache', 'models--acme--base', 'snapshots', repo.sha),
        files: expect.arrayContaining(['config.json', 'model.safetensors']),
      })
      expect(pulled.files).not.toContain('pytorch_model.bin')
      for (const file of pulled.files) expect(readFileSync(join(pulled.path, file))).toEqual(Buffer.from(repo.files.get(file)!.content))
      setEnv({HF_HOME: join(tmp(), 'home'), HF_HUB_CACHE: join(tmp(), 'cache'), HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN})
      const cli = await cmaam(['hub', 'pull', 'acme/base', '--json'])
      expect(JSON.parse(cli.stdout)).toEqual(pulled)
      await expect(lib.hubPull({model: tmp(), token: TOKEN})).rejects.toThrow('is a local folder, not a Hub repo id')
    })

    it('hubPush uploads a model folder in one commit; hubMerge merges two Hub models and publishes the result', async () => {
      const pair = await lib.generateExample({family: 'qwen2vl', out: join(tmp(), 'ex')})
      const pushed = await lib.hubPush({dir: pair[0].source, repo: 'me/pushed', token: TOKEN, private: true})
      expect(pushed).toEqual({url: `${hub.endpoint}/me/pushed`, repo: 'me/pushed', commit: hub.commits[0].sha})
      expect(Object.fromEntries(hub.commits[0].files.map((f) => [f.path, f.sha256]))).toEqual(tree(pair[0].source))
      expect(hub.commits[0].summary).toBe('Upload model merged with cmaam')

      const result = await lib.hubMerge({source: 'acme/ft', target: 'acme/base', push: 'me/merged', output: join(tmp(), 'merged'), token: TOKEN, method: 'linear', alpha: 0.25})
      expect(result).toMatchObject({
        url: `${hub.endpoint}/me/merged`,
        repo: 'me/merged',
        commit: hub.commits[1].sha,
        output: join(tmp(), 'merged'),
        source: {repo: 'acme/ft', revision: 'main', sha: hub.repo('acme/ft').sha},
        target: {repo: 'acme/base', revision: 'main', sha: hub.repo('acme/base').sha},
      })
      expect(result.merge.config.method).toBe('linear')
      expect(Object.fromEntries(hub.commits[1].files.map((f) => [f.path, f.sha256]))).toEqual(tree(join(tmp(), 'merged')))
      expect(hub.commits[1].summary).toBe('Merge acme/ft into acme/base with cmaam')
      // The same merge of the cached snapshots, by `merge`, writes the same weights.
      const local = await lib.merge({source: join(tmp(), 'cache', 'models--acme--ft', 'snapshots', hub.repo('acme/ft').sha), target: join(tmp(), 'cache', 'models--acme--base', 'snapshots', hub.repo('acme/base').sha), output: join(tmp(), 'local'), method: 'linear', alpha: 0.25})
      expect(sha256(join(local.output, 'model.safetensors'))).toBe(sha256(join(tmp(), 'merged', 'model.safetensors')))
      await expect(lib.hubMerge({source: 'acme/ft', target: 'acme/base', push: 'not a repo', token: TOKEN})).rejects.toThrow('--push "not a repo" is not a valid repo id')
    })
  })
})
