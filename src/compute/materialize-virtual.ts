import type {Job, TensorLocation} from './jobs'

/** The job's tensor locations that are computed rather than stored (its own fields and arrays of them). */
function virtualLocations(job: Job): TensorLocation[] {
  const found: TensorLocation[] = []
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit)
    else if (typeof value === 'object' && value !== null && 'virtual' in value && (value as TensorLocation).virtual) found.push(value as TensorLocation)
  }
  for (const value of Object.values(job)) visit(value)
  return found
}

/**
 * Runs jobs that read virtual tensors: their bytes are computed first (at most `held` jobs' worth
 * at a time, so memory stays bounded however many jobs are queued) and handed to `run` in memory.
 * Jobs without virtual tensors go straight to `run`.
 */
type Run = (job: Job, progress?: (bytes: number) => void) => Promise<unknown>

export function materializingRunner(run: Run, options: {held: number}): Run {
  let active = 0
  const waiting: Array<() => void> = []
  const acquire = async (): Promise<void> => {
    if (active < options.held) {
      active++
      return
    }
    await new Promise<void>((resolve) => waiting.push(resolve))
  }
  const release = (): void => {
    const next = waiting.shift()
    if (next) next()
    else active--
  }

  return async (job, progress) => {
    const locations = virtualLocations(job)
    if (locations.length === 0) return run(job, progress)
    await acquire()
    try {
      const replaced = new Map<TensorLocation, TensorLocation>()
      for (const location of locations) {
        const {virtual, ...stored} = location
        replaced.set(location, {...stored, memory: await virtual!.materialize()})
      }
      const swap = (value: unknown): unknown =>
        Array.isArray(value) ? value.map(swap) : replaced.get(value as TensorLocation) ?? value
      return await run(Object.fromEntries(Object.entries(job).map(([key, value]) => [key, swap(value)])) as unknown as Job, progress)
    } finally {
      release()
    }
  }
}
