import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {startServer} from '../../src/eval/server-process'
import {useTempDir} from '../helpers/temp-dir'
import {alive} from './test-server'

describe('the server supervisor', () => {
  const tmp = useTempDir()

  test('a server that ignores SIGTERM, and the worker it started, are killed once the grace period is over', async () => {
    const dir = tmp()
    const pids = join(dir, 'pids')
    // SIGTERM ignored by the shell and (inherited) by its background worker.
    const server = await startServer({
      command: `trap '' TERM; sleep 120 & echo $! > ${pids}; echo worker started; wait`,
      logFile: join(dir, 'server.log'),
      ready: async () => readFileSync(pids, 'utf8').trim() !== '',
      readyTimeoutSeconds: 10,
      graceSeconds: 1,
      redact: (text) => text,
    })
    const worker = Number(readFileSync(pids, 'utf8'))
    expect(alive(worker)).toBe(true)
    const started = Date.now()
    await server.stop()
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    expect(alive(worker)).toBe(false)
    expect(alive(server.pid)).toBe(false)
    expect(readFileSync(join(dir, 'server.log'), 'utf8')).toContain('worker started')
  })
})
