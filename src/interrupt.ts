/** What the process does on SIGINT/SIGTERM: run every registered cleanup, then exit with 130/143. */
export type InterruptCleanup = () => void | Promise<void>

const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = {SIGINT: 130, SIGTERM: 143}

/** A cleanup that has not finished by then is abandoned: an interrupted run must end. */
const CLEANUP_LIMIT_MS = 10_000

const cleanups: InterruptCleanup[] = []
let exiting = false

/**
 * Registers `cleanup` to run on SIGINT/SIGTERM and returns its removal. Cleanups run one at a time,
 * the most recently registered first (so the worker threads writing into a staging folder stop
 * before the folder is removed), then the process exits with 130 (SIGINT) or 143 (SIGTERM). The
 * signal handlers are installed only while a cleanup is registered. A second signal during the
 * cleanups exits at once.
 */
export function onInterrupt(cleanup: InterruptCleanup): () => void {
  if (cleanups.length === 0) {
    process.on('SIGINT', handle)
    process.on('SIGTERM', handle)
  }
  cleanups.push(cleanup)
  return () => {
    const at = cleanups.indexOf(cleanup)
    if (at >= 0) cleanups.splice(at, 1)
    if (cleanups.length === 0 && !exiting) {
      process.off('SIGINT', handle)
      process.off('SIGTERM', handle)
    }
  }
}

function handle(signal: NodeJS.Signals): void {
  const code = EXIT_CODES[signal] ?? 1
  if (exiting) process.exit(code)
  exiting = true
  setTimeout(() => process.exit(code), CLEANUP_LIMIT_MS)
  void (async () => {
    for (const cleanup of [...cleanups].reverse()) {
      try {
        await cleanup()
      } catch {
        // Exiting anyway: the other cleanups still run.
      }
    }
    process.exit(code)
  })()
}
