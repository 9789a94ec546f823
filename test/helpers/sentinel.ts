import {createHash} from 'node:crypto'
import {lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'

/**
 * A folder outside every input, output and cache of a test, holding files an attacker would aim
 * at: `secret.txt` (a private file) and `target.bin` (one to overwrite).
 */
export function makeSentinel(dir: string): string {
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'secret.txt'), 'PRIVATE-KEY-0123456789\nsecond line\n')
  writeFileSync(join(dir, 'target.bin'), Buffer.alloc(4096, 7))
  return dir
}

/** Every entry under `dir` (links not followed): its kind, mode, size, mtime and content digest or link target. */
export function treeState(dir: string): Record<string, string> {
  const state: Record<string, string> = {}
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name)
      const stats = lstatSync(path)
      const key = relative(dir, path)
      if (stats.isSymbolicLink()) state[key] = `link ${readlinkSync(path)}`
      else if (stats.isDirectory()) {
        state[key] = `dir ${stats.mode}`
        walk(path)
      } else state[key] = `file ${stats.mode} ${stats.size} ${stats.mtimeMs} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`
    }
  }
  walk(dir)
  return state
}
