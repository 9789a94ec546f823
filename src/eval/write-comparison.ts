import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {writeFileSynced} from '../io/output/write-file-synced'
import {writeJsonFile} from '../report/write-json-file'
import {comparisonMarkdown} from './comparison'
import type {EvalMetrics, EvalResultsFile} from './types'

const RESULTS_SUFFIX = '_results.json'

/**
 * Writes `comparison.json` (the metrics of every `<model>_results.json` in the folder) and
 * `comparison.md`, so that models evaluated one run at a time end up in one table. `first` (this
 * run's models) come first, the others by name.
 */
export async function writeComparison(dir: string, first: string[]): Promise<EvalMetrics[]> {
  const names = (await readdir(dir)).filter((file) => file.endsWith(RESULTS_SUFFIX)).map((file) => file.slice(0, -RESULTS_SUFFIX.length))
  const ordered = [...first, ...names.filter((name) => !first.includes(name)).sort()]
  const all: EvalMetrics[] = []
  for (const name of ordered) {
    const path = join(dir, `${name}${RESULTS_SUFFIX}`)
    try {
      all.push((JSON.parse(await readFile(path, 'utf8')) as EvalResultsFile).metrics)
    } catch (error) {
      throw new CmaamError(`Cannot read ${path}: ${(error as Error).message}`, {hint: 'Remove the damaged file, or evaluate that model again.'})
    }
  }
  await writeJsonFile(join(dir, 'comparison.json'), all)
  await writeFileSynced(join(dir, 'comparison.md'), comparisonMarkdown(all))
  return all
}
