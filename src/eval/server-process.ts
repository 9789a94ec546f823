import {spawn, type ChildProcess} from 'node:child_process'
import {createWriteStream, readdirSync, readFileSync, type WriteStream} from 'node:fs'
import {createInterface} from 'node:readline'
import {setTimeout as sleep} from 'node:timers/promises'
import {CmaamError} from '../errors'
import {onInterrupt} from '../interrupt'

export interface StartServerOptions {
  /** A shell command line (its placeholders already filled). */
  command: string
  /** Where its stdout and stderr go, line by line. */
  logFile: string
  /** Resolves true once the server answers (`GET /v1/models`); asked until `readyTimeoutSeconds`. */
  ready: () => Promise<boolean>
  readyTimeoutSeconds: number
  /** Between SIGTERM and SIGKILL when stopping (default 5 s: an interrupt's cleanups get 10 s in all). */
  graceSeconds?: number
  /** Removes secrets from what is written to the log and quoted in errors. */
  redact: (text: string) => string
}

export interface ServerProcess {
  pid: number
  /** SIGTERM to the process group, SIGKILL after the grace period; resolves once the group is gone. */
  stop(): Promise<void>
}

const LOG_LINES_QUOTED = 5
const PROBE_INTERVAL_MS = 500

/** Servers of this process not yet stopped: stopped on SIGINT/SIGTERM, killed on exit. */
const running = new Set<Supervised>()

interface Supervised {
  child: ChildProcess
  stop(): Promise<void>
}

/**
 * Starts a serving command in its own process group with its output in a log file, and waits
 * until it answers. A command that exits first, or is not ready in time, is stopped and reported
 * in one line quoting its last log lines. Until `stop()`, Ctrl-C, SIGTERM and any exit of this
 * process stop it too, so no server outlives the run.
 */
export async function startServer(options: StartServerOptions): Promise<ServerProcess> {
  if (process.platform === 'win32') {
    throw new CmaamError('--serve needs a POSIX shell and process groups (Linux, macOS)', {hint: 'On Windows, start the server yourself and pass --endpoint http://127.0.0.1:PORT/v1.', code: 'UNSUPPORTED'})
  }
  const log = createWriteStream(options.logFile, {flags: 'a'})
  const child = spawn('/bin/sh', ['-c', options.command], {detached: true, stdio: ['ignore', 'pipe', 'pipe']})
  log.write(`# cmaam ${new Date().toISOString()}, process group ${child.pid}: ${options.redact(options.command)}\n`)
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
    child.once('error', (error) => resolve(error.message))
  })
  const {last: lastLines, closed} = pipeLines(child, log, options.redact)
  let stopping: Promise<void> | null = null
  const supervised: Supervised = {child, stop: () => (stopping ??= stopGroup(child, exited, log, options.graceSeconds ?? 5))}
  watch(supervised)
  const stop = async () => {
    try {
      await supervised.stop()
    } finally {
      unwatch(supervised)
    }
  }

  const deadline = Date.now() + options.readyTimeoutSeconds * 1000
  let status: number | string | null = null
  void exited.then((value) => (status = value))
  while (true) {
    if (status !== null) {
      // Its last words may still be in the pipes.
      await Promise.race([closed, wait(1000)])
      await stop()
      throw startFailure(`The server command exited (${status}) before it answered`, options, lastLines)
    }
    if (await options.ready().catch(() => false)) break
    if (Date.now() >= deadline) {
      await stop()
      throw startFailure(`The server command did not answer GET /v1/models within ${options.readyTimeoutSeconds} s`, options, lastLines)
    }
    await Promise.race([wait(Math.min(PROBE_INTERVAL_MS, Math.max(0, deadline - Date.now()))), exited])
  }
  return {pid: child.pid!, stop}
}

function startFailure(what: string, options: StartServerOptions, lastLines: string[]): CmaamError {
  const quoted = lastLines.length > 0 ? `; its last lines: ${lastLines.join(' | ')}` : '; it printed nothing'
  return new CmaamError(`${what}: ${options.redact(options.command)}${quoted}`, {
    hint: `Its whole output is in ${options.logFile}. Check the command (run it by hand), or give a slow start more time with --serve-timeout.`,
    code: 'SERVER',
  })
}

/** Copies the child's output into the log a line at a time (redacted), keeping the last lines for errors. */
function pipeLines(child: ChildProcess, log: WriteStream, redact: (text: string) => string): {last: string[]; closed: Promise<unknown>} {
  const last: string[] = []
  const closed: Promise<void>[] = []
  for (const stream of [child.stdout!, child.stderr!]) {
    const lines = createInterface({input: stream, crlfDelay: Infinity})
    closed.push(new Promise((resolve) => lines.once('close', resolve)))
    lines.on('line', (line) => {
      const clean = redact(line)
      // A process of the group may still print while the server is being stopped.
      if (!log.writableEnded) log.write(clean + '\n')
      if (clean.trim() === '') return
      last.push(clean.length > 200 ? `${clean.slice(0, 200)}…` : clean)
      if (last.length > LOG_LINES_QUOTED) last.shift()
    })
  }
  return {last, closed: Promise.all(closed)}
}

/**
 * SIGTERM to the whole group (the shell, the server and the workers it started), SIGKILL to what is
 * left after the grace period; resolves once no process of the group runs (5 s after SIGKILL at most).
 */
async function stopGroup(child: ChildProcess, exited: Promise<unknown>, log: WriteStream, graceSeconds: number): Promise<void> {
  const pgid = child.pid!
  signalGroup(child, 'SIGTERM')
  await until(() => !groupRunning(pgid), graceSeconds * 1000)
  signalGroup(child, 'SIGKILL')
  await until(() => !groupRunning(pgid), 5000)
  await Promise.race([exited, wait(1000)])
  await new Promise<void>((resolve) => log.end(resolve))
}

/** Polls `done` until it holds or `ms` have passed. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!done() && Date.now() < deadline) await wait(50)
}

/**
 * Whether a process of the group still runs. Zombies (exited, not yet reaped by their parent; the
 * server is one when the shell that started it died first) hold nothing and do not count.
 */
function groupRunning(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
  } catch {
    return false
  }
  if (process.platform !== 'linux') return true
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue
    }
    // After the command name: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(pgrp) === pgid && state !== 'Z') return true
  }
  return false
}

/** A wait that does not keep the process alive: the race it is in may be won by the server's exit. */
function wait(ms: number): Promise<void> {
  return sleep(ms, undefined, {ref: false})
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // The group is gone already.
  }
}

let stopOnInterrupt: (() => void) | null = null

function watch(server: Supervised): void {
  if (running.size === 0) {
    stopOnInterrupt = onInterrupt(stopAll)
    process.on('exit', killAll)
  }
  running.add(server)
}

function unwatch(server: Supervised): void {
  running.delete(server)
  if (running.size === 0) {
    stopOnInterrupt?.()
    stopOnInterrupt = null
    process.off('exit', killAll)
  }
}

/** Ctrl-C or SIGTERM: every server is stopped before the process exits. */
async function stopAll(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()))
}

/** Last resort when the process exits with servers still running: nothing asynchronous runs here. */
function killAll(): void {
  for (const server of running) signalGroup(server.child, 'SIGKILL')
}
