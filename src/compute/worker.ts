import {parentPort} from 'node:worker_threads'
import type {Job} from './jobs'
import {createJobContext} from './job-context'
import {stopOnnxSessions} from './onnx-sessions'
import {runJob} from './run-job'

/**
 * Worker thread entry: runs jobs one at a time, in the order they arrive (a statistics job with
 * spectra awaits onnxruntime, and a close must wait for it), and reports progress at most every 50 ms.
 * A stop (an interrupt) is answered once onnxruntime is idle and released on this thread.
 */
if (!parentPort) throw new Error('cmaam compute worker must run in a worker thread')
const port = parentPort

const context = createJobContext()

let queue = Promise.resolve()

port.on('message', (message: {id: number; job: Job} | {close: true} | {stop: true}) => {
  // Not queued: a stop must not wait for the running job, only for its onnxruntime call in flight.
  if ('stop' in message) void stopOnnxSessions().then(() => port.postMessage({stopped: true}))
  else queue = queue.then(() => handle(message))
})

async function handle(message: {id: number; job: Job} | {close: true}): Promise<void> {
  if ('close' in message) {
    try {
      context.files.close({sync: true})
      port.postMessage({closed: true})
    } catch (error) {
      const {code, path} = error as {code?: unknown; path?: unknown}
      port.postMessage({closed: true, error: error instanceof Error ? error.message : String(error), code, path})
    }
    return
  }
  let pending = 0
  let last = Date.now()
  const progress = (bytes: number): void => {
    pending += bytes
    const now = Date.now()
    if (now - last >= 50) {
      port.postMessage({id: message.id, progress: pending})
      pending = 0
      last = now
    }
  }
  try {
    const result = await runJob(message.job, context, progress)
    port.postMessage({id: message.id, progress: pending, result})
  } catch (error) {
    const {code, path} = error as {code?: unknown; path?: unknown}
    port.postMessage({id: message.id, error: error instanceof Error ? error.message : String(error), code, path})
  }
}
