/**
 * Runs `work` on every item, `concurrency` at a time. On the first failure it aborts `controller`
 * (which the work listens to), waits for the running items to stop, and throws that failure: no
 * download keeps writing after the call has returned.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  controller: AbortController,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: {error: unknown} | null = null
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === null) {
      const item = items[next++] as T
      try {
        await work(item)
      } catch (error) {
        if (failure === null) {
          failure = {error}
          controller.abort(error)
        }
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(concurrency, items.length)}, worker))
  if (failure !== null) throw (failure as {error: unknown}).error
}
