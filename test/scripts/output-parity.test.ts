import {createHash} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, readlinkSync, lstatSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {runCommand} from '@oclif/test'
import nock from 'nock'
import {generateAnswerPair} from '../../src/example/generate-answer-pair'
import {generateLoraAdapter} from '../../src/example/generate-lora-adapter'
import {writeCorpus} from '../data/corpus'
import {useHubEnv} from '../hub/cli-env'
import {exampleRepos} from '../hub/example-repos'
import {createMockHub, type MockHub} from '../hub/mock-hub'

/**
 * Byte-level outputs of every command, before and after a refactoring: set CMAAM_PARITY_BASELINE to
 * a built checkout of the earlier commit (its dist/ and package.json), e.g.
 *
 *   git archive 5c0685c | tar -x -C /tmp/base && ln -s $PWD/node_modules /tmp/base/ && (cd /tmp/base && npx tsc -p tsconfig.build.json)
 *   npm run build && CMAAM_PARITY_BASELINE=/tmp/base npx jest test/scripts/output-parity.test.ts
 *
 * Each command runs in this process (so that nock serves the Hub) once from the baseline and once
 * from this checkout, on the same inputs; stdout, stderr, the exit code and every file written are
 * compared byte for byte, after masking what differs from run to run (the run's folder, timings,
 * dates). Without the variable the suite is skipped.
 */
const BASELINE = process.env.CMAAM_PARITY_BASELINE
const CURRENT = join(__dirname, '..', '..')
const TOKEN = 'hf_parityToken_1a2b3c4d5e6f'

// Skipped runs name the reason, which the skipped-tests reporter prints.
const maybe = BASELINE ? describe : (name: string, fn: () => void) => describe.skip(`${name} (skipped: CMAAM_PARITY_BASELINE is not set)`, fn)

/** Masks what legitimately changes between two runs: the run's folder, wall-clock figures, dates. */
function mask(text: string, root: string): string {
  return text
    .split(root)
    .join('<ROOT>')
    .replace(/"(started_at|finished_at|created_at|date|timestamp|[a-z_]*seconds|[a-z_]*per_second|commit)": ?("[^"]*"|[0-9.e+-]+)/g, '"$1": <T>')
    .replace(/\b(seconds|[a-z_]*seconds): [0-9.e+-]+/g, '$1: <T>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<DATE>')
    .replace(/in \d+(\.\d+)? s\b/g, 'in <T> s')
    // experiment steps: keys hash input modification times; step times
    .replace(/"key": "[0-9a-f]{64}"/g, '"key": <KEY>')
    .replace(/\| \d+(\.\d+)? s \|$/gm, '| <T> s |')
    // the tokens/s column of the comparison tables
    .replace(/(\| *)\d+\.\d( *\|)$/gm, '$1<T>$2')
    .replace(/\d+:\d\d\b/g, '<MM:SS>')
}

/** Every file under `dir`: its path and the sha256 of its (masked, for text) bytes; links by target. */
function snapshot(dir: string, root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name)
      const key = relative(dir, path)
      const stat = lstatSync(path)
      if (stat.isSymbolicLink()) out[key] = `link → ${mask(readlinkSync(path), root)}`
      else if (stat.isDirectory()) walk(path)
      else {
        const bytes = readFileSync(path)
        // Text is compared as text (masked), so that a difference reads as one; binaries by their sha256.
        if (/\.(json|jsonl|md|yaml|txt|svg|csv)$/.test(name) && bytes.length < 200_000) out[key] = mask(bytes.toString('utf8'), root)
        else out[key] = createHash('sha256').update(bytes).digest('hex')
      }
    }
  }
  walk(dir)
  return out
}

/**
 * Differences made on purpose since the baseline, by case: text the new output has that the old
 * one lacked. Keep this list short and say why.
 */
const INTENDED: Record<string, RegExp[]> = {
  // metadata.json always has validate_images (false when not asked), as its type and the reference say;
  // dropped from both sides, so that a baseline from before or after that change compares alike.
  'data prepare text': [/\n *\\?"validate_images\\?": false,/],
}

function withoutIntended(name: string, outcome: Outcome): Outcome {
  const drop = (text: string): string => (INTENDED[name] ?? []).reduce((out, pattern) => out.replace(pattern, ''), text)
  return {...outcome, stdout: drop(outcome.stdout), files: Object.fromEntries(Object.entries(outcome.files).map(([path, text]) => [path, drop(text)]))}
}

interface Outcome {
  stdout: string
  stderr: string
  code: number
  files: Record<string, string>
  commits?: unknown
}

maybe('every command writes and prints the same bytes as the baseline', () => {
  const setEnv = useHubEnv()
  let inputs: string
  beforeAll(async () => {
    nock.disableNetConnect()
    inputs = join(tmpdir(), `cmaam-parity-inputs-${process.pid}`)
    rmSync(inputs, {recursive: true, force: true})
    const answer = await generateAnswerPair({dir: join(inputs, 'answer'), answers: {target: {text: 'no', image: 'x'}, source: {text: 'yes', image: 'a'}}, dtype: 'F32'})
    expect(answer.target).toBe(join(inputs, 'answer', 'target'))
    await generateLoraAdapter({base: answer.target, dir: join(inputs, 'lora'), r: 4, loraAlpha: 8, targetModules: ['q_proj', 'v_proj']})
    const items = [
      {messages: [{role: 'user', content: 'Is it right?'}, {role: 'assistant', content: 'yes'}], category: 'a'},
      {messages: [{role: 'user', content: 'Is the sky green?'}, {role: 'assistant', content: 'no'}], category: 'b'},
    ]
    mkdirSync(join(inputs, 'data'), {recursive: true})
    writeFileSync(join(inputs, 'data', 'test.jsonl'), items.map((item) => JSON.stringify(item)).join('\n') + '\n')
    writeCorpus(join(inputs, 'corpus'), [
      {name: 'a.jsonl', items: 30, broken: [3]},
      {name: 'b.jsonl', items: 12, withImage: (i) => i % 4 !== 0},
    ])
    writeFileSync(join(inputs, 'categories.json'), JSON.stringify({first: ['a.jsonl'], second: ['b.jsonl']}))
  }, 300_000)
  afterAll(() => {
    nock.enableNetConnect()
    rmSync(inputs, {recursive: true, force: true})
  })

  /** Runs `argv` (with `<OUT>` for the run's folder and `<IN>` for the inputs) from `root`. */
  async function run(root: string, argv: string[], hub?: {hub: MockHub}): Promise<Outcome> {
    const out = join(tmpdir(), `cmaam-parity-out-${process.pid}`)
    rmSync(out, {recursive: true, force: true})
    mkdirSync(out, {recursive: true})
    try {
      const args = argv.map((arg) => arg.split('<OUT>').join(out).split('<IN>').join(inputs))
      const result = await runCommand(args, {root})
      const code = result.error ? ((result.error as {oclif?: {exit?: number}}).oclif?.exit ?? 1) : 0
      const all = (text: string) => mask(mask(text, out), inputs)
      return {
        stdout: all(result.stdout).split('<ROOT>').join('<OUT>'),
        stderr: all(result.stderr),
        code,
        files: Object.fromEntries(Object.entries(snapshot(out, out)).filter(([path]) => !path.startsWith('cache/') && !path.startsWith('hf-home/'))),
        // A commit's sha and the bytes of the reports it uploads (which hold timings) differ from run to run.
        commits: hub?.hub.commits.map((c) => ({
          ...c,
          sha: '<SHA>',
          files: [...c.files].sort((a, b) => a.path.localeCompare(b.path)).map((f) => (/\.(json|md|yaml)$/.test(f.path) ? {...f, sha256: '<TEXT>', size: 0} : f)),
        })),
      }
    } finally {
      rmSync(out, {recursive: true, force: true})
    }
  }

  const local: Array<[string, string[]]> = [
    ['example', ['example', '--family', 'qwen2vl', '--out', '<OUT>/ex', '--json']],
    ['example text', ['example', '--family', 'llava', '--out', '<OUT>/ex']],
    ['inspect', ['inspect', '<IN>/answer/source', '--json']],
    ['inspect text', ['inspect', '<IN>/answer/source']],
    ['analyze', ['analyze', '-s', '<IN>/answer/source', '-t', '<IN>/answer/target', '--json']],
    ['analyze text', ['analyze', '-s', '<IN>/answer/source', '-t', '<IN>/answer/target']],
    ['merge', ['merge', '-s', '<IN>/answer/source', '-t', '<IN>/answer/target', '-o', '<OUT>/m', '--json']],
    ['merge text', ['merge', '-s', '<IN>/answer/source', '-t', '<IN>/answer/target', '-o', '<OUT>/m', '--analyze']],
    ['merge ties + onnx', ['merge', '-s', '<IN>/answer/source', '-t', '<IN>/answer/target', '-o', '<OUT>/m', '--method', 'ties,vision=keep-target', '--density', '0.5', '--onnx-template', '<IN>/answer/target', '--json']],
    ['merge lora source', ['merge', '-s', '<IN>/lora', '-t', '<IN>/answer/target', '-o', '<OUT>/m', '--method', 'dare_ties', '--density', '0.3', '--seed', '1', '--quiet']],
    ['merge missing flags', ['merge', '-s', '<IN>/answer/source']],
    ['merge bad folder', ['merge', '-s', '<IN>/nope', '-t', '<IN>/answer/target', '-o', '<OUT>/m']],
    ['lora merge', ['lora', 'merge', '-b', '<IN>/answer/target', '-a', '<IN>/lora', '-o', '<OUT>/l', '--json']],
    ['onnx apply', ['onnx', 'apply', '--weights', '<IN>/answer/source', '--template', '<IN>/answer/target', '-o', '<OUT>/onnx', '--json']],
    ['eval', ['eval', '-m', '<IN>/answer/source', '-m', '<IN>/answer/target', '-d', '<IN>/data/test.jsonl', '-o', '<OUT>/eval', '--max-new-tokens', '4', '--json']],
    ['experiment', ['experiment', '--base', '<IN>/answer/target', '--finetuned', '<IN>/answer/source', '--data', '<IN>/data', '--output', '<OUT>/exp', '--linear-alphas', '0.5', '--max-new-tokens', '4', '--json']],
    ['data prepare', ['data', 'prepare', '-s', '<IN>/corpus', '-o', '<OUT>/d', '--categories', '<IN>/categories.json', '--validate-images', '--json']],
    ['data prepare text', ['data', 'prepare', '-s', '<IN>/corpus', '-o', '<OUT>/d', '--categories', '<IN>/categories.json', '--mode', 'tiny']],
    ['adapters list', ['adapters', 'list', '--json']],
    ['adapters show', ['adapters', 'show', 'qwen2vl']],
    ['adapters test', ['adapters', 'test', 'qwen2vl', '<IN>/answer/source', '--json']],
  ]

  test.each(local)('%s', async (name, argv) => {
    const before = await run(BASELINE as string, argv)
    const after = await run(CURRENT, argv)
    expect(withoutIntended(name, after)).toEqual(withoutIntended(name, before))
  }, 600_000)

  const hubCases: Array<[string, string[]]> = [
    ['hub pull', ['hub', 'pull', 'acme/ft', '--json']],
    ['hub pull text', ['hub', 'pull', 'acme/base@main']],
    ['hub push', ['hub', 'push', '<IN>/answer/source', 'me/pushed', '--json']],
    ['hub merge', ['hub', 'merge', '-s', 'acme/ft', '-t', 'acme/base', '--push', 'me/merged', '--output', '<OUT>/hm', '--json']],
    ['hub merge text', ['hub', 'merge', '-s', 'acme/ft', '-t', 'acme/base', '--push', 'me/merged']],
    ['hub merge local', ['hub', 'merge', '-s', '<IN>/answer/source', '-t', 'acme/base', '--push', 'me/merged']],
  ]

  test.each(hubCases)('%s', async (_name, argv) => {
    const repos = await exampleRepos({family: 'qwen2vl', maxShardBytes: 200_000})
    const outcome = async (root: string): Promise<Outcome> => {
      const hub = createMockHub({token: TOKEN, repos: {'acme/ft': repos.source, 'acme/base': repos.target}})
      const cache = join(tmpdir(), `cmaam-parity-cache-${process.pid}`)
      rmSync(cache, {recursive: true, force: true})
      setEnv({HF_HOME: join(cache, 'home'), HF_HUB_CACHE: join(cache, 'hub'), HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN})
      try {
        const result = await run(root, argv, {hub})
        return {...result, stdout: result.stdout.split(cache).join('<CACHE>'), stderr: result.stderr.split(cache).join('<CACHE>')}
      } finally {
        hub.close()
        rmSync(cache, {recursive: true, force: true})
      }
    }
    const before = await outcome(BASELINE as string)
    const after = await outcome(CURRENT)
    expect(after).toEqual(before)
  }, 600_000)
})
