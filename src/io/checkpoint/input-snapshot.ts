import {stat} from 'node:fs/promises'
import {CmaamError} from '../../errors'

/** Size and modification time of every input file, taken when the inputs were opened. */
export type InputSnapshot = ReadonlyMap<string, {size: number; mtimeMs: number}>

export async function snapshotInputs(paths: Iterable<string>): Promise<InputSnapshot> {
  const snapshot = new Map<string, {size: number; mtimeMs: number}>()
  for (const path of new Set(paths)) {
    const stats = await stat(path)
    snapshot.set(path, {size: stats.size, mtimeMs: stats.mtimeMs})
  }
  return snapshot
}

/**
 * Fails when an input file was replaced, grown, truncated or rewritten since the snapshot: the
 * output would mix two versions of the weights.
 */
export async function checkInputsUnchanged(snapshot: InputSnapshot): Promise<void> {
  for (const [path, before] of snapshot) {
    const now = await stat(path).catch(() => null)
    const change = now === null
      ? 'it was removed'
      : now.size !== before.size
        ? `its size went from ${before.size} to ${now.size} bytes`
        : now.mtimeMs !== before.mtimeMs
          ? `it was modified at ${new Date(now.mtimeMs).toISOString()}`
          : null
    if (change !== null) {
      throw new CmaamError(`Input file ${path} changed while cmaam was reading it: ${change}`, {
        hint: 'Another program (a download, a training job saving a checkpoint) wrote to it. Wait until it has finished and run the command again; the partial output was removed.',
      })
    }
  }
}
