import {createHash} from 'node:crypto'
import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'

/**
 * What a step's input looked like: the relative path, size and modification time of every file
 * under `path` (links followed), hashed. Cheap on multi-GB weights, and any rewrite changes it.
 */
export async function fingerprint(path: string, options: {exclude?: string[]} = {}): Promise<string> {
  const hash = createHash('sha256')
  const walk = async (at: string, relative: string): Promise<void> => {
    const stats = await stat(at).catch(() => null)
    if (stats === null) {
      hash.update(`${relative}\0missing\n`)
    } else if (stats.isDirectory()) {
      for (const name of (await readdir(at)).sort()) {
        if (relative === '' && options.exclude?.includes(name)) continue
        await walk(join(at, name), relative === '' ? name : `${relative}/${name}`)
      }
    } else {
      hash.update(`${relative}\0${stats.size}\0${stats.mtimeMs}\n`)
    }
  }
  await walk(path, '')
  return hash.digest('hex')
}

/** A stable key for a step: its kind, settings and the fingerprints of its inputs. */
export function stepKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex')
}
