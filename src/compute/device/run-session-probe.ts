import {spawn} from 'node:child_process'
import {matmulModel} from '../matmul-model'
import type {Device} from './device'

/** What a probe session did in its child process. */
export interface SessionProbeResult {
  ok: boolean
  /** Milliseconds to create the session and run it once (loading onnxruntime not included). */
  ms?: number
  /** onnxruntime's error, or why the child gave no answer. */
  error?: string
  /** What the child wrote on stderr: Dawn's and onnxruntime's own messages, which name a missing library. */
  stderr: string
  timedOut?: boolean
}

/**
 * The child: creates a MatMul session on the device, runs a 2×2 product and checks it, and prints
 * one JSON line. Dawn prints warnings on stderr and a broken driver may crash or hang: none of it
 * may reach the command's terminal or take it down, hence a child process.
 */
const CHILD = `
const [ortPath, device, model] = process.argv.slice(1)
const reply = (value) => process.stdout.write(JSON.stringify(value) + '\\n', () => process.exit(0))
const ort = require(ortPath)
const started = Date.now()
ort.InferenceSession.create(Buffer.from(model, 'base64'), {executionProviders: [device], logSeverityLevel: 3})
  .then(async (session) => {
    const a = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2])
    const c = Array.from((await session.run({A: a, B: a})).C.data)
    const ok = c.join() === '7,10,15,22'
    reply(ok ? {ok, ms: Date.now() - started} : {ok, error: 'wrong product on ' + device + ': ' + c.join()})
  })
  .catch((error) => reply({ok: false, error: String((error && error.message) || error)}))
`

/** Creates a tiny onnxruntime session on `device` in a child process, with `env` (default: this process's). */
export function runSessionProbe(options: {device: Device; env?: NodeJS.ProcessEnv; timeoutMs?: number}): Promise<SessionProbeResult> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const model = Buffer.from(matmulModel()).toString('base64')
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD, require.resolve('onnxruntime-node'), options.device, model], {env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ok: false, error: error.message, stderr})
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.trim().split('\n').pop() ?? ''
      try {
        const answer = JSON.parse(line) as {ok: boolean; ms?: number; error?: string}
        return resolve({...answer, stderr})
      } catch {
        const timedOut = signal === 'SIGKILL'
        resolve({ok: false, timedOut, stderr, error: timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : `the probe process ended with ${signal ?? `exit code ${code}`}`})
      }
    })
  })
}
