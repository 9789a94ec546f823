import {stat} from 'node:fs/promises'
import {basename, join, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'

/** Names `createStaging` gives a merge in progress, and an output it is replacing. */
const STAGING_NAME = /\.cmaam-(partial|old)-/

/**
 * Refuses to publish a folder that is not a complete model: a merge's staging folder, no
 * config.json, no safetensors weights, an index pointing at missing shards, or a damaged header.
 */
export async function checkModelFolder(dir: string): Promise<void> {
  const path = resolve(dir)
  const refuse = (what: string, hint: string): CmaamError => new CmaamError(`Refusing to upload ${path}: ${what}`, {hint})
  if (STAGING_NAME.test(basename(path))) {
    throw refuse(
      'it is the working folder of a merge that has not finished (or was interrupted)',
      'Upload the --output folder once `cmaam merge` has completed; an interrupted merge must be run again.',
    )
  }
  const stats = await stat(path).catch(() => null)
  if (!stats?.isDirectory()) throw refuse(stats ? 'it is not a folder' : 'no such folder', 'Pass the folder that `cmaam merge --output` wrote.')
  if (!(await stat(join(path, 'config.json')).then((s) => s.isFile(), () => false))) {
    throw refuse('it has no config.json, so transformers could not load it', 'Pass a complete model folder, as `cmaam merge --output` writes it.')
  }
  try {
    await openCheckpoint(path)
  } catch (error) {
    if (!(error instanceof CmaamError)) throw error
    throw refuse(`its weights are incomplete: ${error.message}`, error.hint ?? 'Pass a complete model folder, as `cmaam merge --output` writes it.')
  }
}
