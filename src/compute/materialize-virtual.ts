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
 * Runs jobs that read virtual tensors: their bytes are computed first into one of `held` slots of
 * shared memory (so memory stays bounded however many jobs are queued) and handed to `run` there.
 * Slots are reused, not reallocated: a worker thread frees the shared buffers it has seen only when
 * it collects garbage, which a thread that allocates nothing rarely does. Jobs without virtual
 * tensors go straight to `run`.
 */
type Run = (job: Job, progress?: (bytes: number) => void) => Promise<unknown>

export function materializingRunner(run: Run, options: {held: number}): Run {
  // A slot: one growing shared buffer per virtual location of a job.
  const free: SharedArrayBuffer[][] = Array.from({length: options.held}, () => [])
  const waiting: Array<(slot: SharedArrayBuffer[]) => void> = []
  const acquire = async (): Promise<SharedArrayBuffer[]> => free.pop() ?? new Promise((resolve) => waiting.push(resolve))
  const release = (slot: SharedArrayBuffer[]): void => {
    const next = waiting.shift()
    if (next) next(slot)
    else free.push(slot)
  }

  return async (job, progress) => {
    const locations = virtualLocations(job)
    if (locations.length === 0) return run(job, progress)
    const slot = await acquire()
    try {
      const replaced = new Map<TensorLocation, TensorLocation>()
      for (const [i, location] of locations.entries()) {
        const {virtual, ...stored} = location
        const allocate = (byteLength: number): Uint8Array => {
          if (!slot[i] || slot[i].byteLength < byteLength) slot[i] = new SharedArrayBuffer(byteLength)
          return new Uint8Array(slot[i], 0, byteLength)
        }
        replaced.set(location, {...stored, memory: await virtual!.materialize(allocate)})
      }
      const swap = (value: unknown): unknown =>
        Array.isArray(value) ? value.map(swap) : replaced.get(value as TensorLocation) ?? value
      return await run(Object.fromEntries(Object.entries(job).map(([key, value]) => [key, swap(value)])) as unknown as Job, progress)
    } finally {
      release(slot)
    }
  }
}
