/** A pass over weights (or samples), as the engine reports it. */
export interface Progress {
  /** Adds processed bytes (or samples). */
  advance(bytes: number): void
  done(): void
}

/** What a pass counts: bytes by default, or samples (an evaluation). */
export interface ProgressOptions {
  unit?: 'bytes' | 'samples'
}

/** Starts reporting one pass: a terminal bar in the CLI, a callback in the library. */
export type ProgressFactory = (label: string, totalBytes: number, options?: ProgressOptions) => Progress

export const silentProgress: ProgressFactory = () => ({advance() {}, done() {}})

/** One step of a long pass (a download, pass 1, writing the shards, an evaluation). */
export interface ProgressEvent {
  /** What runs, e.g. `statistics`, `merge`, `eval merged`, or a Hub repo being downloaded. */
  label: string
  done: number
  total: number
  unit: 'bytes' | 'samples'
}

/** Progress of a download or an upload, enough to draw a bar with an ETA. */
export interface TransferProgress {
  phase: 'download' | 'hash' | 'upload' | 'commit'
  /** The file the event is about, or null for the whole transfer. */
  file: string | null
  /** Bytes of that file done, and its size (0 when `file` is null). */
  fileBytes: number
  fileTotalBytes: number
  /** Bytes of the whole operation done, files already in the cache counted as done. */
  bytes: number
  totalBytes: number
  /** Bytes moved over the network by this run: divide by the elapsed time for a rate. */
  transferredBytes: number
}
