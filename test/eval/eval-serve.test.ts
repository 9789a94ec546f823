import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {generateAnswerPair} from '../../src/example/generate-answer-pair'
import {evaluate} from '../../src'
import {cmaam} from '../helpers/cli'
import {ANSWERS, SOURCE, TARGET, writeKnownData} from './known-answers'
import {alive, readStats, serverPids, serveTemplate, writeConfig, type ServerConfig} from './test-server'

/**
 * `cmaam eval --serve`: cmaam starts the OpenAI-compatible test server (a real process) for each
 * model from a command template, evaluates through it and stops it, whatever happens; checked by
 * the server's pid.
 */
const SECRET = 'sk-serve-0a1b2c3d4e5f'
const BIN = join(__dirname, '..', '..', 'bin', 'run.js')
/** @oclif/test splits its argv again at spaces, except inside double quotes. */
const spaced = (value: string) => `"${value}"`

describe('cmaam eval --serve', () => {
  let root: string
  let data: string
  let pair: {target: string; source: string}
  let out: string
  let pidFile: string
  let statsFile: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cmaam-serve-'))
    pair = await generateAnswerPair({dir: join(root, 'models'), answers: ANSWERS})
    data = writeKnownData(join(root, 'data'))
  })
  afterAll(() => {
    rmSync(root, {recursive: true, force: true})
  })
  beforeEach(() => {
    out = mkdtempSync(join(root, 'out-'))
    pidFile = join(out, 'pids')
    statsFile = join(out, 'stats.json')
  })
  afterEach(() => {
    // A failed test must not leave a server behind either.
    if (existsSync(pidFile)) for (const pid of serverPids(pidFile)) if (alive(pid)) process.kill(pid, 'SIGKILL')
  })

  const config = (extra: Partial<ServerConfig> = {}) =>
    writeConfig(join(out, 'server.json'), {known: [{dir: pair.target, answers: ANSWERS.target}, {dir: pair.source, answers: ANSWERS.source}], pidFile, statsFile, ...extra})
  const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))

  test('one server per model, started, asked and stopped; its output in <model>_server.log', async () => {
    const run = await cmaam(['eval', '--serve', spaced(serveTemplate(config())), '-m', pair.target, '-m', pair.source, '--data', data, '-o', out, '--max-new-tokens', '8', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const printed = JSON.parse(run.stdout)
    expect(printed.backend).toBe('serve')
    expect(printed.models.map((m: {metrics: unknown}) => m.metrics)).toMatchObject([TARGET, SOURCE])
    expect(readJson(join(out, 'target_results.json')).settings).toEqual({model: pair.target, backend: 'serve', serve: serveTemplate(join(out, 'server.json')), max_new_tokens: 8})

    const pids = serverPids(pidFile)
    expect(pids).toHaveLength(2)
    for (const pid of pids) expect(alive(pid)).toBe(false)
    const log = readFileSync(join(out, 'source_server.log'), 'utf8')
    expect(log).toContain(`test server: serving ${pair.source} on 127.0.0.1:`)
    // Stopped with SIGTERM and given time to shut down, not killed outright.
    expect(log.trim().split('\n').pop()).toBe('test server: SIGTERM, shutting down')
    expect(log.split('\n')[0]).toMatch(/^# cmaam .*openai-server\.js --port \d+ --model /)
    // The server was asked under the id it listed: the folder as given.
    expect(readStats(statsFile).requests).toBe(7)

    // The library returns what --json prints.
    const library = await evaluate({serve: serveTemplate(join(out, 'server.json')), model: [pair.target, pair.source], data, output: join(out, 'library'), maxNewTokens: 8})
    const untimed = (metrics: object) => ({...metrics, seconds: 0, tokens_per_second: 0})
    const times = (run: {models: Array<{metrics: object; files: object}>; comparison: object[]}) => ({
      ...run,
      models: run.models.map((m) => ({...m, files: undefined, metrics: untimed(m.metrics)})),
      comparison: run.comparison.map(untimed),
    })
    expect(times(JSON.parse(JSON.stringify(library)))).toEqual(times(printed))
    expect(serverPids(pidFile)).toHaveLength(4)
    for (const pid of serverPids(pidFile)) expect(alive(pid)).toBe(false)
  })

  test('a server that exits at start, one that never answers, and a template without {port}: one line each, no process left', async () => {
    const exits = await cmaam(['eval', '--serve', spaced(serveTemplate(config({exitAtStart: true}))), '-m', pair.target, '--data', data, '-o', out])
    expect(exits.code).toBe(1)
    const [line, hint] = exits.stderr.split('\n')
    expect(line).toMatch(/^Error: The server command exited \(3\) before it answered: .*openai-server\.js --port \d+ .*; its last lines: test server: serving .* \| fatal: not enough GPU memory for the model \(test\)$/)
    expect(hint).toBe(`Its whole output is in ${join(out, 'target_server.log')}. Check the command (run it by hand), or give a slow start more time with --serve-timeout.`)
    expect(alive(serverPids(pidFile)[0])).toBe(false)

    const started = Date.now()
    const stuck = await cmaam(['eval', '--serve', spaced(serveTemplate(config({neverReady: true}))), '-m', pair.target, '--data', data, '-o', out, '--serve-timeout', '2'])
    expect(stuck.code).toBe(1)
    expect(stuck.stderr).toMatch(/^Error: The server command did not answer GET \/v1\/models within 2 s: .*; its last lines: test server: serving /)
    expect(Date.now() - started).toBeLessThan(20_000)
    for (const pid of serverPids(pidFile)) expect(alive(pid)).toBe(false)

    const missing = await cmaam(['eval', '--serve', spaced(serveTemplate(config())), '-m', join(root, 'nowhere'), '--data', data, '-o', out])
    expect(missing.code).toBe(1)
    expect(missing.stderr.split('\n')[0]).toBe(`Error: Model folder not found: ${join(root, 'nowhere')}`)

    const noPort = await cmaam(['eval', '--serve', spaced('vllm-serve {model}'), '-m', pair.target, '--data', data, '-o', out])
    expect(noPort.code).toBe(1)
    expect(noPort.stderr.split('\n')[0]).toBe('Error: --serve "vllm-serve {model}" is neither a preset (vllm, sglang, llama.cpp) nor a command with {port}')
  })

  test('Ctrl-C stops the server; the next run resumes from the predictions made before', async () => {
    const template = serveTemplate(config({delayMs: 700}))
    const child = spawn(process.execPath, [BIN, 'eval', '--serve', template, '-m', pair.target, '--data', data, '-o', out, '--max-new-tokens', '8', '--concurrency', '1', '--quiet'], {stdio: ['ignore', 'ignore', 'pipe']})
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? '')))
    const predictions = join(out, 'target_predictions.jsonl')
    const answered = () => (existsSync(predictions) ? readFileSync(predictions, 'utf8').trim().split('\n').length - 1 : 0)
    const deadline = Date.now() + 60_000
    while (answered() < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(answered()).toBeGreaterThanOrEqual(3)
    const [pid] = serverPids(pidFile)
    expect(alive(pid)).toBe(true)
    child.kill('SIGINT')
    const status = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 30_000).unref())])
    expect(status).toBe(130)
    expect(alive(pid)).toBe(false)

    const before = answered()
    expect(before).toBeLessThan(9)
    const resumed = await cmaam(['eval', '--serve', spaced(template), '-m', pair.target, '--data', data, '-o', out, '--max-new-tokens', '8', '--json'])
    expect(resumed.code).toBe(0)
    expect(JSON.parse(resumed.stdout).models[0]).toMatchObject({resumed: before, asked: 9 - before, metrics: TARGET})
    for (const p of serverPids(pidFile)) expect(alive(p)).toBe(false)
  }, 120_000)

  test('the API key stays out of the server log and of errors, even when the command or server prints it', async () => {
    const template = `${serveTemplate(config({apiKey: SECRET}))} --api-key ${SECRET}`
    const run = await cmaam(['eval', '--serve', spaced(template), '-m', pair.target, '--data', data, '-o', out, '--max-new-tokens', '8', '--api-key', SECRET, '--json'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).models[0].metrics).toMatchObject(TARGET)
    expect(readStats(statsFile).authorized).toBe(true)
    const log = readFileSync(join(out, 'target_server.log'), 'utf8')
    expect(log).toContain('--api-key ***')
    const failed = await cmaam(['eval', '--serve', spaced(`${serveTemplate(config({exitAtStart: true}))} --api-key ${SECRET}`), '-m', pair.target, '--data', data, '-o', join(out, 'failed'), '--api-key', SECRET])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('--api-key ***')
    for (const text of [run.stdout, run.stderr, failed.stderr, log, readFileSync(join(out, 'target_results.json'), 'utf8'), readFileSync(join(out, 'target_predictions.jsonl'), 'utf8')]) {
      expect(text).not.toContain(SECRET)
    }
  })
})
