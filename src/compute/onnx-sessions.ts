import type {InferenceSession} from 'onnxruntime-node'

/**
 * Every onnxruntime session of this thread is created and run through here, so that an interrupt
 * can shut them down in an order that cannot abort the process: onnxruntime completes a `run` or a
 * `create` on its own thread and calls back into JavaScript; if the thread's JavaScript environment
 * is torn down in between (process.exit terminates worker threads), the addon throws a C++ exception
 * that nothing catches (`terminate called after throwing an instance of 'Napi::Error'`, exit 134).
 */
const sessions: InferenceSession[] = []
const inFlight = new Set<Promise<void>>()
let stopping = false

/** A session on this thread, released by stopOnnxSessions. */
export async function createOnnxSession(model: Uint8Array, options: InferenceSession.SessionOptions): Promise<InferenceSession> {
  const ort = await import('onnxruntime-node')
  return tracked(async () => {
    const session = await ort.InferenceSession.create(model, options)
    sessions.push(session)
    return session
  })
}

/** `session.run`, tracked so that an interrupt waits for it to return before tearing anything down. */
export function runOnnxSession(
  session: InferenceSession,
  feeds: InferenceSession.FeedsType,
  fetches?: InferenceSession.FetchesType,
): Promise<InferenceSession.ReturnType> {
  return tracked(() => (fetches === undefined ? session.run(feeds) : session.run(feeds, fetches)))
}

/**
 * Stops onnxruntime on this thread: no new call starts, the calls in flight return, then every
 * session is released. Afterwards the thread can be terminated or the process exit safely. Calls
 * made or finishing after this never settle: the process is exiting and their work must not go on.
 */
export async function stopOnnxSessions(): Promise<void> {
  stopping = true
  while (inFlight.size > 0) await Promise.all(inFlight)
  for (const session of sessions.splice(0)) await session.release().catch(() => {})
}

function tracked<T>(start: () => Promise<T>): Promise<T> {
  if (stopping) return never()
  const call = start()
  const settled = call.then(
    () => {},
    () => {},
  )
  inFlight.add(settled)
  void settled.then(() => inFlight.delete(settled))
  return call.then(
    (value) => (stopping ? never<T>() : value),
    (error: unknown) => (stopping ? never<T>() : Promise.reject(error)),
  )
}

function never<T>(): Promise<T> {
  return new Promise<T>(() => {})
}
