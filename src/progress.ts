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
