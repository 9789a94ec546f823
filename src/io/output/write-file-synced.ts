import {open} from 'node:fs/promises'

/** Writes `text` and fsyncs it, so a committed output folder is on disk, not only in the page cache. */
export async function writeFileSynced(path: string, text: string): Promise<void> {
  const file = await open(path, 'w')
  try {
    await file.writeFile(text)
    await file.sync()
  } catch (error) {
    throw Object.assign(error as Error, {path})
  } finally {
    await file.close()
  }
}
