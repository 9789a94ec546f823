import {stat} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'

/** `--data`: a JSONL file, or a folder holding `test.jsonl` (what `cmaam data prepare` and `cmaam example` write). */
export async function evalDataFile(path: string): Promise<string> {
  const found = await stat(path).catch(() => null)
  if (!found?.isDirectory()) return path
  const file = join(path, 'test.jsonl')
  if (!(await stat(file).then((s) => s.isFile(), () => false))) {
    throw new CmaamError(`The data folder ${path} has no test.jsonl`, {code: 'NOT_FOUND', hint: 'Pass --data with a JSONL file, or the folder `cmaam data prepare` wrote (it holds test.jsonl).'})
  }
  return file
}
