/**
 * Runs `work` on every item with at most `concurrency` in flight. After the first failure no new
 * item starts; the ones in flight finish (so what they did is kept), then that failure is thrown.
 */
export async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failure: {error: unknown} | null = null
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const item = items[next++]
      try {
        await work(item)
      } catch (error) {
        failure ??= {error}
      }
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(concurrency, items.length))}, worker))
  if (failure !== null) throw (failure as {error: unknown}).error
}
