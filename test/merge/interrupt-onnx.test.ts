import {execFileSync, spawn} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {TINY_DIMS} from '../../src/example/families'
import {useTempDir} from '../helpers/temp-dir'

const tmp = useTempDir()
const root = join(__dirname, '..', '..')

/**
 * Runs the compiled CLI on a CMAAM merge, waits for its staging folder (pass 1 starts right after),
 * then `delayMs` more, and sends `signal`. Pass 1 computes spectra with onnxruntime in 4 worker
 * threads: an exit while a `session.run` is in flight used to abort the process (exit 134).
 */
async function interrupt(pair: string, signal: 'SIGINT' | 'SIGTERM', delayMs: number): Promise<{code: number | null; signal: string | null; stderr: string}> {
  const args = ['merge', '-s', join(pair, 'source'), '-t', join(pair, 'target'), '-o', join(tmp(), 'out'), '--threads', '4']
  const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), ...args], {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{code: number | null; signal: string | null}>((resolve) => child.on('close', (code, killed) => resolve({code, signal: killed})))
  while (child.exitCode === null && !readdirSync(tmp()).some((name) => name.startsWith('.out.cmaam-partial-'))) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await new Promise((resolve) => setTimeout(resolve, delayMs))
  child.kill(signal)
  return {...(await exited), stderr}
}

describe('SIGINT and SIGTERM during pass 1 with onnxruntime spectra in worker threads', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit %d every time, no native abort, no staging folder left (10 tries)', async (signal, exitCode) => {
    // Spectra are computed for the bridge (visual.merger: 2048 × 2048 and 1024 × 2048 here), first in
    // pass 1, so that for seconds most threads are inside onnxruntime. Generated outside jest (whose Math is slow).
    const pair = join(tmp(), 'pair')
    const dims = {...TINY_DIMS, visionHidden: 512, visionMlp: 1024, hidden: 1024, intermediate: 2048, kvHidden: 256, layers: 4, vocab: 8192}
    execFileSync(process.execPath, ['-e', `require('./dist/example/generate-pair').generatePair(${JSON.stringify({family: 'qwen2vl', dir: pair, dims, dtype: 'F32'})})`], {cwd: root})
    for (let attempt = 0; attempt < 10; attempt++) {
      const run = await interrupt(pair, signal, attempt * 90)
      expect({attempt, ...run, stderr: run.stderr.includes('terminate called') ? run.stderr : ''}).toEqual({attempt, code: exitCode, signal: null, stderr: ''})
      expect(readdirSync(tmp())).toEqual(['pair'])
    }
  }, 240_000)
})
