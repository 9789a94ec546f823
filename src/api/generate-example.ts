import {resolve} from 'node:path'
import {EXAMPLE_FAMILIES, type ExampleFamily} from '../example/families'
import {generatePair} from '../example/generate-pair'
import {libraryContext, type RunContext} from './context'
import {choiceOption, integerOption} from './options/values'
import type {GenerateExampleOptions} from './types'

/** One generated pair, as `cmaam example --json` lists it. */
export interface ExamplePair {
  family: ExampleFamily
  /** The fine-tune's folder. */
  source: string
  /** The base's folder. */
  target: string
  /** Bytes of weights written for the pair. */
  bytes: number
}

/**
 * Writes deterministic synthetic base/fine-tune pairs with each family's real parameter names,
 * configs and tokenizer files to `<out>/<family>/{target,source}`: what `cmaam example` does.
 */
export function generateExample(options: GenerateExampleOptions = {}): Promise<ExamplePair[]> {
  return generateExampleWith(options, libraryContext(options))
}

export async function generateExampleWith(options: GenerateExampleOptions, context: RunContext): Promise<ExamplePair[]> {
  const asked = options.family ?? 'all'
  const families = asked === 'all' ? EXAMPLE_FAMILIES : (Array.isArray(asked) ? asked : [asked]).map((family) => choiceOption(family, '--family', EXAMPLE_FAMILIES))
  const pairs: ExamplePair[] = []
  for (const family of families) {
    const pair = await generatePair({family, dir: resolve(options.out ?? 'examples', family), seed: integerOption(options.seed ?? 0, '--seed', 0), progress: context.progress})
    pairs.push({family, ...pair})
  }
  return pairs
}
