import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {readFrontMatter} from '../io/front-matter'
import {readModelConfig} from '../io/read-model-config'
import {isRepoId} from './is-repo-id'

/**
 * The Hub repo a local model folder names for itself, for the `base_model` of a card made from it:
 * config.json's `_name_or_path` (what transformers loaded it from), else the first `base_model` of
 * its own README.md front matter, when that is a Hub id (`org/name`). Null when neither is.
 */
export async function localHubId(dir: string): Promise<string | null> {
  const config = await readModelConfig(dir).catch(() => null)
  const candidates: unknown[] = [config?._name_or_path]
  const base = readFrontMatter(await readFile(join(dir, 'README.md'), 'utf8').catch(() => null))?.base_model
  candidates.push(...(Array.isArray(base) ? base.slice(0, 1) : [base]))
  return candidates.find((value): value is string => typeof value === 'string' && isRepoId(value)) ?? null
}
