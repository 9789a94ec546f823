import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {Worker} from 'node:worker_threads'
import {onInterrupt} from '../interrupt'
import type {Job, JobResult} from './jobs'
import {createJobContext, type JobContext} from './job-context'
import {materializingRunner} from './materialize-virtual'
import {stopOnnxSessions} from './onnx-sessions'
import {runJob} from './run-job'

export interface WorkerPool {
  readonly threads: number
  run<J extends Job>(job: J, progress?: (bytes: number) => void): Promise<JobResult<J>>
  /** Waits for running jobs, fsyncs written files, and stops the threads. */
  close(): Promise<void>
}

/**
 * Runs compute jobs on `threads` worker threads, or on the calling thread when `threads` is 1
 * (the worker entry only exists in the compiled package, so tests of the sources use one thread).
 * Virtual tensors (a LoRA-updated weight) are computed on this thread, one more than there are
 * threads at a time, so the workers always have one ready. Jobs that run on a GPU device run on this
 * thread too, one at a time: onnxruntime's WebGPU provider crashes the process when two threads
 * create sessions at once, and one queue keeps a GPU from being shared by several threads.
 */
export function createWorkerPool(options: {threads: number}): WorkerPool {
  const pool = options.threads <= 1 ? inlinePool() : threadPool(options.threads)
  let onDevice: WorkerPool | null = null
  let deviceQueue: Promise<unknown> = Promise.resolve()
  const route = (job: Job, progress?: (bytes: number) => void): Promise<unknown> => {
    if (!usesDevice(job)) return pool.run(job, progress)
    const lane = (onDevice ??= options.threads <= 1 ? pool : inlinePool())
    const result = deviceQueue.then(() => lane.run(job, progress))
    deviceQueue = result.catch(() => {})
    return result
  }
  const run = materializingRunner(route, {held: pool.threads + 1})
  // On SIGINT/SIGTERM: the threads stop once their onnxruntime calls return, then this thread's
  // sessions (the device lane, LoRA products) are released, and only then may the process exit.
  const removeInterrupt = onInterrupt(async () => {
    await pool.stop()
    await stopOnnxSessions()
  })
  return {
    threads: pool.threads,
    run: <J extends Job>(job: J, progress?: (bytes: number) => void) => run(job, progress) as Promise<JobResult<J>>,
    async close() {
      removeInterrupt()
      await pool.close()
      if (onDevice && onDevice !== pool) await onDevice.close()
    },
  }
}

interface Pool extends WorkerPool {
  /** For an interrupt: stops the threads safely; running and queued jobs never settle. */
  stop(): Promise<void>
}

/** A job whose kernels run on a GPU execution provider. */
function usesDevice(job: Job): boolean {
  return job.kind === 'statistics' && job.spectrum !== undefined && job.spectrum.device !== 'cpu'
}

function inlinePool(): Pool {
  let context: JobContext | null = createJobContext()
  return {
    threads: 1,
    async run(job, progress = () => {}) {
      if (!context) throw new Error('worker pool is closed')
      // Yield first so timers (progress bars) and signals get a turn between jobs.
      await new Promise((resolve) => setImmediate(resolve))
      return runJob(job, context, progress)
    },
    async close() {
      context?.files.close({sync: true})
      context = null
    },
    async stop() {},
  }
}

interface Task {
  id: number
  job: Job
  progress: (bytes: number) => void
  resolve: (value: never) => void
  reject: (error: Error) => void
}

function threadPool(threads: number): Pool {
  const entry = join(__dirname, 'worker.js')
  if (!existsSync(entry)) throw new Error(`compute worker not found at ${entry}: build the package (npm run build) or use one thread`)
  const queue: Task[] = []
  const idle: Worker[] = []
  const running = new Map<Worker, Task>()
  let nextId = 0
  let failure: Error | null = null
  let closed = false
  let stopping = false
  const exited = new Set<Worker>()

  const dispatch = (): void => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop()!
      const task = queue.shift()!
      running.set(worker, task)
      worker.postMessage({id: task.id, job: task.job})
    }
  }

  const workers = Array.from({length: threads}, () => {
    const worker = new Worker(entry)
    worker.on('message', (message: {id: number; progress?: number; result?: unknown; error?: string; code?: string; path?: string}) => {
      const task = running.get(worker)
      if (stopping || !task || message.id !== task.id) return
      if (message.progress) task.progress(message.progress)
      if (message.error !== undefined) {
        running.delete(worker)
        idle.push(worker)
        // errno code and file survive the thread boundary, so disk errors can be reported as such.
        task.reject(Object.assign(new Error(message.error), {code: message.code, path: message.path}))
        dispatch()
      } else if ('result' in message) {
        running.delete(worker)
        idle.push(worker)
        task.resolve(message.result as never)
        dispatch()
      }
    })
    worker.on('error', (error) => {
      if (stopping) return
      failure = error
      running.get(worker)?.reject(error)
      running.delete(worker)
      for (const task of queue.splice(0)) task.reject(error)
    })
    worker.on('exit', () => exited.add(worker))
    idle.push(worker)
    return worker
  })

  return {
    threads,
    run(job, progress = () => {}) {
      if (failure) return Promise.reject(failure)
      if (closed) return Promise.reject(new Error('worker pool is closed'))
      return new Promise((resolve, reject) => {
        queue.push({id: nextId++, job, progress, resolve, reject})
        dispatch()
      })
    },
    async close() {
      if (closed) return
      closed = true
      for (const task of queue.splice(0)) task.reject(new Error('worker pool is closed'))
      await closeWorkers(workers, exited)
    },
    async stop() {
      if (stopping) return
      stopping = closed = true
      queue.splice(0)
      await stopWorkers(workers, exited)
    },
  }
}

/** Asks every live thread to close its files, then ends them all; a failed fsync is a failed write, reported after every thread closed. */
async function closeWorkers(workers: Worker[], exited: Set<Worker>): Promise<void> {
  const closing = await Promise.allSettled(
    workers.filter((worker) => !exited.has(worker)).map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', (message: {error?: string; code?: string; path?: string}) =>
            message.error === undefined ? resolve() : reject(Object.assign(new Error(message.error), {code: message.code, path: message.path})),
          )
          worker.once('exit', () => resolve())
          worker.postMessage({close: true})
        }),
    ),
  )
  await Promise.all(workers.map((worker) => worker.terminate()))
  const failed = closing.find((result) => result.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
}

/**
 * Ends every thread on an interrupt. Terminating a thread whose onnxruntime call is in flight aborts
 * the process (onnx-sessions.ts): each thread answers once its calls have returned and its sessions
 * are released, and only then is it terminated.
 */
async function stopWorkers(workers: Worker[], exited: Set<Worker>): Promise<void> {
  await Promise.all(
    workers.filter((worker) => !exited.has(worker)).map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.on('message', (message: {stopped?: boolean}) => message.stopped && resolve())
          worker.once('exit', () => resolve())
          worker.postMessage({stop: true})
        }),
    ),
  )
  await Promise.all(workers.map((worker) => worker.terminate()))
}
