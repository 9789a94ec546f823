import {readdir, readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {writeFileSynced} from '../io/output/write-file-synced'
import {writeJsonFile} from '../report/write-json-file'
import {comparisonMarkdown} from './comparison'
import type {EvalMetrics, EvalResultsFile} from './types'

const RESULTS_SUFFIX = '_results.json'

/**
 * Writes `comparison.json` and `comparison.md` with the metrics of `current` (the models of this
 * run, in order, those with a `<model>_results.json` in the folder so far). Other results the folder holds
 * (an earlier run's models) are not mixed into that table: `comparison.md` lists them in a separate
 * section, `comparison-others.json` holds them. Returns the current models' metrics.
 */
export async function writeComparison(dir: string, current: string[]): Promise<EvalMetrics[]> {
  const names = (await readdir(dir)).filter((file) => file.endsWith(RESULTS_SUFFIX)).map((file) => file.slice(0, -RESULTS_SUFFIX.length))
  const [shown, others] = [await readMetrics(dir, current.filter((name) => names.includes(name))), await readMetrics(dir, names.filter((name) => !current.includes(name)).sort())]
  await writeJsonFile(join(dir, 'comparison.json'), shown)
  await rm(join(dir, OTHERS_FILE), {force: true})
  let markdown = comparisonMarkdown(shown)
  if (others.length > 0) {
    await writeJsonFile(join(dir, OTHERS_FILE), others)
    markdown += `
## Other results in this folder

Models evaluated here by an earlier run, not part of the one above (their numbers are in ${OTHERS_FILE}): ${others.map((m) => `\`${m.model}\``).join(', ')}.
`
  }
  await writeFileSynced(join(dir, 'comparison.md'), markdown)
  return shown
}

const OTHERS_FILE = 'comparison-others.json'

async function readMetrics(dir: string, names: string[]): Promise<EvalMetrics[]> {
  const all: EvalMetrics[] = []
  for (const name of names) {
    const path = join(dir, `${name}${RESULTS_SUFFIX}`)
    try {
      all.push((JSON.parse(await readFile(path, 'utf8')) as EvalResultsFile).metrics)
    } catch (error) {
      throw new CmaamError(`Cannot read ${path}: ${(error as Error).message}`, {hint: 'Remove the damaged file, or evaluate that model again.'})
    }
  }
  return all
}
