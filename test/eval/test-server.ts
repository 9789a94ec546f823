import {spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {freePort} from '../../src/eval/free-port'

/** The OpenAI-compatible test server (./fixtures/openai-server.js). */
export const SERVER_SCRIPT = join(__dirname, 'fixtures', 'openai-server.js')

export interface ServerConfig {
  known: Array<{dir: string; answers: {text: string; image: string}}>
  faults?: Record<string, string[]>
  reject?: string[]
  apiKey?: string
  pidFile?: string
  statsFile?: string
  delayMs?: number
  hangMs?: number
  exitAtStart?: boolean
  neverReady?: boolean
}

export interface ServerStats {
  requests: number
  maxInFlight: number
  attempts: Record<string, number>
  maxTokens: number[]
  temperatures: number[]
  authorized: boolean
  images: number
}

export function writeConfig(path: string, config: ServerConfig): string {
  writeFileSync(path, JSON.stringify(config))
  return path
}

export function readStats(path: string): ServerStats {
  return JSON.parse(readFileSync(path, 'utf8')) as ServerStats
}

/** The `--serve` template that starts the test server with `config`. */
export function serveTemplate(config: string): string {
  return `${process.execPath} ${SERVER_SCRIPT} --port {port} --model {model} --name {model_id} --config ${config}`
}

/** Starts the test server serving `model` as `name`, for `--endpoint`; resolves once it lists its model (waits 20 s at most). */
export async function startTestServer(options: {config: string; model: string; name: string}): Promise<{url: string; pid: number; stop: () => Promise<void>}> {
  const port = await freePort()
  const child = spawn(process.execPath, [SERVER_SCRIPT, '--port', String(port), '--model', options.model, '--name', options.name, '--config', options.config], {stdio: 'ignore'})
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}/v1`
  const deadline = Date.now() + 20_000
  while (!(await fetch(`${url}/models`).then(() => true, () => false))) {
    if (Date.now() > deadline) throw new Error('the test server did not start in 20 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGKILL')
      await exited
    },
  }
}

/** Whether a process runs (a zombie does not count). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** The pids the test server wrote to its pid file, one per start. */
export function serverPids(pidFile: string): number[] {
  return readFileSync(pidFile, 'utf8').trim().split('\n').filter(Boolean).map(Number)
}
