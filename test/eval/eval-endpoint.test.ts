import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {generateAnswerPair} from '../../src/example/generate-answer-pair'
import {evaluate} from '../../src'
import {cmaam} from '../helpers/cli'
import {ANSWERS, SKIPPED, TARGET, writeKnownData} from './known-answers'
import {readStats, startTestServer, writeConfig, type ServerConfig} from './test-server'

/**
 * `cmaam eval --endpoint` against the OpenAI-compatible test server (a real process on
 * 127.0.0.1) that answers like the tiny Qwen2-VL pair: the same items and hand-computed metrics as
 * the transformers.js tests, faults the client must recover from, and the key kept secret.
 */
const SECRET = 'sk-test-9f8e7d6c5b4a'
const withoutTimes = (metrics: Record<string, unknown>) => ({...metrics, seconds: undefined, tokens_per_second: undefined})

describe('cmaam eval --endpoint', () => {
  let root: string
  let data: string
  let pair: {target: string; source: string}
  let known: ServerConfig['known']
  let out: string
  const servers: Array<{stop: () => Promise<void>}> = []

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cmaam-endpoint-'))
    pair = await generateAnswerPair({dir: join(root, 'models'), answers: ANSWERS})
    known = [{dir: pair.target, answers: ANSWERS.target}, {dir: pair.source, answers: ANSWERS.source}]
    data = writeKnownData(join(root, 'data'))
  })
  afterAll(async () => {
    for (const server of servers) await server.stop()
    rmSync(root, {recursive: true, force: true})
  })
  beforeEach(() => {
    out = mkdtempSync(join(root, 'out-'))
  })

  async function serve(config: Omit<ServerConfig, 'known' | 'statsFile'>, model = pair.target, name = 'tiny-target') {
    const statsFile = join(out, `stats-${servers.length}.json`)
    const server = await startTestServer({config: writeConfig(join(root, `config-${servers.length}.json`), {known, statsFile, ...config}), model, name})
    servers.push(server)
    return {...server, stats: () => readStats(statsFile)}
  }
  const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))

  test('metrics equal the transformers.js backend’s; requests in flight, greedy, max_tokens; the one served model is picked', async () => {
    const server = await serve({delayMs: 400})
    const run = await cmaam(['eval', '--endpoint', server.url, '--data', data, '--output', out, '--max-new-tokens', '8', '--concurrency', '4', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const printed = JSON.parse(run.stdout)
    expect(printed).toMatchObject({backend: 'endpoint', device: null, models: [{model: 'tiny-target', asked: 9, resumed: 0}]})
    expect(printed.models[0].metrics).toMatchObject({...TARGET, model: 'tiny-target'})

    const results = readJson(join(out, 'tiny-target_results.json'))
    expect(results.settings).toEqual({model: 'tiny-target', backend: 'endpoint', endpoint: server.url, server_model: pair.target, max_new_tokens: 8})
    const local = await cmaam(['eval', '-m', pair.target, '--data', data, '--output', join(out, 'local'), '--max-new-tokens', '8', '--json'])
    expect(local.code).toBe(0)
    expect(withoutTimes(printed.models[0].metrics)).toEqual({...withoutTimes(JSON.parse(local.stdout).models[0].metrics), model: 'tiny-target'})

    const stats = server.stats()
    // 7 items asked (2 skipped for their images), 4 at once; items 1, 2 and 8 have an image, item 9 two.
    expect(stats.requests).toBe(7)
    expect(stats.maxInFlight).toBe(4)
    expect(stats.images).toBe(5)
    expect(stats.temperatures).toEqual(Array(7).fill(0))
    expect(stats.maxTokens).toEqual(Array(7).fill(8))
    // Predictions are listed in file order whatever order the answers came in; "네" is 3 bytes + <|im_end|>.
    const lines = readFileSync(join(out, 'tiny-target_predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.slice(1).map((r: {line: number}) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(lines[1]).toMatchObject({pred: 'yes', new_tokens: 4})

    const serial = await serve({delayMs: 50})
    await cmaam(['eval', '--endpoint', serial.url, '--data', data, '--output', join(out, 'serial'), '--max-new-tokens', '8', '--concurrency', '1'])
    expect(serial.stats().maxInFlight).toBe(1)
  })

  test('429 with and without Retry-After, 500, a dropped connection and a timeout are retried; a 400 skips its item', async () => {
    const server = await serve({
      faults: {'이것은 빨간색입니까?': ['429'], 'Is it red? Explain.': ['500', '429-no-header'], 'Is the sky green?': ['drop'], 'Red?': ['hang']},
      reject: ['Say no'],
      hangMs: 4000,
    })
    const run = await cmaam(['eval', '--endpoint', server.url, '--model', 'tiny-target', '--data', data, '--output', out, '--max-new-tokens', '8', '--request-timeout', '1', '--max-retries', '3', '--json'])
    expect(run.code).toBe(0)
    // Item 7 ("Say no", logic, target ✓ ✓) is rejected: 6 answered, exact 3/6 (items 3, 8, 9), contains 4/6 (+ item 6).
    expect(JSON.parse(run.stdout).models[0].metrics).toMatchObject({
      n_samples: 6, exact_match_accuracy: 3 / 6, contains_accuracy: 4 / 6,
      per_category: {color: {n: 4, exact_match_accuracy: 2 / 4, contains_accuracy: 2 / 4}, logic: {n: 1, exact_match_accuracy: 1, contains_accuracy: 1}},
      skipped: {...SKIPPED, request_error: 1},
    })
    expect(server.stats().attempts).toEqual({'이것은 빨간색입니까?': 2, 'Is it red? Explain.': 3, 'Is the sky green?': 2, 'Is the sky blue?': 1, 'Say no': 1, 'Red?': 2, 'Both red?': 1})
    const lines = readFileSync(join(out, 'tiny-target_predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines[7]).toMatchObject({line: 7, skipped: 'request_error'})
    expect(lines[7].detail).toBe("400 This model's maximum context length is 32 tokens (question: Say no)")
  })

  test('a wrong --model, a server that is down, and failures past the retries are one line each', async () => {
    const server = await serve({faults: {'Say no': ['500', '500', '500']}})
    const wrong = await cmaam(['eval', '--endpoint', server.url, '--model', 'Qwen/Qwen2-VL-7B', '--data', data, '--output', out])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toBe(`Error: ${server.url} serves "tiny-target", not "Qwen/Qwen2-VL-7B"\nPass --model tiny-target.\n`)

    const down = await startTestServer({config: writeConfig(join(root, 'down.json'), {known}), model: pair.target, name: 'x'})
    await down.stop()
    const unreachable = await cmaam(['eval', '--endpoint', down.url, '--data', data, '--output', out, '--max-retries', '0'])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(new RegExp(`^Error: Cannot reach ${down.url.replace(/[.]/g, '\\.')} \\(GET /models\\): .*ECONNREFUSED.*\\nCheck that the server is running`))

    const failing = await cmaam(['eval', '--endpoint', server.url, '--data', data, '--output', out, '--max-retries', '2', '--concurrency', '1'])
    expect(failing.code).toBe(1)
    expect(failing.stderr.split('\n')[0]).toBe(`Error: ${server.url} failed POST /chat/completions for model "tiny-target" (after 2 retries): 500 internal error`)
    expect(failing.stderr).not.toMatch(/\n\s+at /)
    // What was answered before the failure is kept for the next run: items 1–6.
    const kept = readFileSync(join(out, 'tiny-target_predictions.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l).line)
    expect(kept.sort()).toEqual([1, 2, 3, 4, 5, 6])
  })

  test('a resume against another model under the same id is refused; shards combine', async () => {
    const first = await serve({})
    expect((await cmaam(['eval', '--endpoint', first.url, '--data', data, '--output', out, '--max-samples', '3'])).code).toBe(0)
    const other = await serve({}, pair.source, 'tiny-target')
    const refused = await cmaam(['eval', '--endpoint', other.url, '--data', data, '--output', out])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`was made with other settings (server_model ${pair.target} → ${pair.source})`)

    // Two shards against two servers of the same model (other URLs are fine), then combined.
    const second = await serve({})
    const dirs = [join(out, 'shard-0'), join(out, 'shard-1')]
    expect((await cmaam(['eval', '--endpoint', first.url, '--data', data, '-o', dirs[0], '--shard', '0/2', '--max-new-tokens', '8'])).code).toBe(0)
    expect((await cmaam(['eval', '--endpoint', second.url, '--data', data, '-o', dirs[1], '--shard', '1/2', '--max-new-tokens', '8'])).code).toBe(0)
    const combined = await cmaam(['eval', '--combine', ...dirs, '-o', join(out, 'all'), '--json'])
    expect(combined.code).toBe(0)
    expect(JSON.parse(combined.stdout).models[0]).toMatchObject({model: 'tiny-target', shards: 2, metrics: {...TARGET, model: 'tiny-target'}})
  })

  test('the API key is sent, and appears in no output, log, result or error', async () => {
    const server = await serve({apiKey: SECRET})
    const refused = await cmaam(['eval', '--endpoint', server.url, '--data', data, '--output', out, '--api-key', 'sk-wrong-key-123'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(`Error: ${server.url} refused GET /models: 401 Invalid API key\nPass the server’s key with --api-key or OPENAI_API_KEY.\n`)

    const run = await cmaam(['eval', '--endpoint', server.url, '--data', data, '--output', out, '--api-key', SECRET, '--json', '--max-new-tokens', '8'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).models[0].metrics).toMatchObject({...TARGET, model: 'tiny-target'})
    process.env.OPENAI_API_KEY = SECRET
    try {
      const library = await evaluate({endpoint: server.url, data, output: join(out, 'env'), maxNewTokens: 8})
      expect(library.models[0].metrics).toMatchObject({...TARGET, model: 'tiny-target'})
    } finally {
      delete process.env.OPENAI_API_KEY
    }
    const files = readdirSync(out, {recursive: true, withFileTypes: true}).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
    expect(files.length).toBeGreaterThan(4)
    for (const text of [run.stdout, run.stderr, refused.stderr, ...files.map((file) => readFileSync(file, 'utf8'))]) expect(text).not.toContain(SECRET)
  })
})
