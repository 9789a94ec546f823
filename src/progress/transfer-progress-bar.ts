import type {Progress, ProgressFactory, TransferProgress} from '.'

export interface TransferProgressBar {
  /** Give this to `downloadModel` or `pushFolder`. */
  update(event: TransferProgress): void
  /** Completes the last bar, once the transfer succeeded. */
  done(): void
}

/**
 * Draws a Hub transfer with the CLI's progress bars: one bar per phase (download; or hash, then
 * upload), labelled `<phase> <name>`. Bytes already in the cache (or already hashed) when a phase
 * starts are left out of its bar, so that its rate and ETA describe the work still to do.
 */
export function transferProgressBar(factory: ProgressFactory, name: string): TransferProgressBar {
  let phase: TransferProgress['phase'] | null = null
  let bar: Progress | null = null
  let shown = 0
  const finish = (): void => {
    bar?.done()
    bar = null
  }
  return {
    update(event) {
      if (event.phase !== phase) {
        finish()
        phase = event.phase
        // The commit is a single request: nothing to draw.
        bar = event.phase === 'commit' ? null : factory(`${event.phase} ${name}`, event.totalBytes - event.bytes)
        shown = event.bytes
      }
      bar?.advance(event.bytes - shown)
      shown = event.bytes
    },
    done: finish,
  }
}
