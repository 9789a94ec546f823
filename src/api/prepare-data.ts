import {readCategoryMap} from '../data/categories'
import {PREPARE_MODES, type PrepareMode} from '../data/modes'
import {prepareSplits, type PrepareDataRecord} from '../data/prepare-data'
import {libraryContext, type RunContext} from './context'
import {choiceOption, integerOption} from './options/values'
import type {PrepareDataOptions} from './types'

const PREPARE_MODE_NAMES = Object.keys(PREPARE_MODES) as PrepareMode[]

/**
 * Splits an axolotl-style JSONL corpus into train/val/test by category (a seeded sample per
 * category and in all) and writes metadata.json and an images link: what `cmaam data prepare` does.
 */
export function prepareData(options: PrepareDataOptions): Promise<PrepareDataRecord> {
  return prepareDataWith(options, libraryContext(options))
}

export async function prepareDataWith(options: PrepareDataOptions, context: RunContext): Promise<PrepareDataRecord> {
  const mode = PREPARE_MODES[choiceOption(options.mode ?? 'full', '--mode', PREPARE_MODE_NAMES)]
  const categories = typeof options.categories === 'string' ? await readCategoryMap(options.categories) : options.categories
  return prepareSplits({
    source: options.source,
    output: options.output,
    categories,
    maxPerCategory: options.maxPerCategory === undefined ? mode.maxPerCategory : integerOption(options.maxPerCategory, '--max-per-category', 1),
    totalMax: options.totalMax === undefined ? mode.totalMax : integerOption(options.totalMax, '--total-max', 1),
    validateImages: options.validateImages ?? false,
    seed: integerOption(options.seed ?? 42, '--seed', 0),
    force: options.force ?? false,
    progress: context.progress,
  })
}
