import {silentProgress, type ProgressEvent, type ProgressFactory} from '.'

/** The engine's progress passes as `onProgress` events: one when a pass starts, one per step, one when it is done. */
export function progressCallback(onProgress?: (event: ProgressEvent) => void): ProgressFactory {
  if (onProgress === undefined) return silentProgress
  return (label, total, options = {}) => {
    const unit = options.unit ?? 'bytes'
    let done = 0
    onProgress({label, done, total, unit})
    return {
      advance(amount) {
        done += amount
        onProgress({label, done, total, unit})
      },
      done() {
        done = total
        onProgress({label, done, total, unit})
      },
    }
  }
}
