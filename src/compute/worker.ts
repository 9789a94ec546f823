import {parentPort} from 'node:worker_threads'
import type {Job} from './jobs'
import {createJobContext} from './job-context'
import {runJob} from './run-job'

/**
 * Worker thread entry: runs jobs one at a time, in the order they arrive (a statistics job with
 * spectra awaits onnxruntime, and a close must wait for it), and reports progress at most every 50 ms.
 */
if (!parentPort) throw new Error('cmaam compute worker must run in a worker thread')
const port = parentPort

const context = createJobContext()

let queue = Promise.resolve()

port.on('message', (message: {id: number; job: Job} | {close: true}) => {
  queue = queue.then(() => handle(message))
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
