import {resolve} from 'node:path'
import {EXAMPLE_FAMILIES} from '../example/families'
import {writeExample, type ExampleFiles} from '../example/write-example'
import {libraryContext, type RunContext} from './context'
import {choiceOption, integerOption} from './options/values'
import type {GenerateExampleOptions} from './types'

/** One generated example, as `cmaam example --json` lists it: the pair, and for Qwen2-VL its test set and LoRA adapter. */
export type ExamplePair = ExampleFiles

/**
 * Writes deterministic synthetic base/fine-tune pairs with each family's real parameter names,
 * configs and tokenizer files to `<out>/<family>/{target,source}`; for Qwen2-VL the whole pipeline
 * (models that answer, their ONNX exports, `data/` and `lora/`): what `cmaam example` does.
 */
export function generateExample(options: GenerateExampleOptions = {}): Promise<ExamplePair[]> {
  return generateExampleWith(options, libraryContext(options))
}

export async function generateExampleWith(options: GenerateExampleOptions, context: RunContext): Promise<ExamplePair[]> {
  const asked = options.family ?? 'all'
  const families = asked === 'all' ? EXAMPLE_FAMILIES : (Array.isArray(asked) ? asked : [asked]).map((family) => choiceOption(family, '--family', EXAMPLE_FAMILIES))
  const pairs: ExamplePair[] = []
  for (const family of families) {
    pairs.push(await writeExample({family, dir: resolve(options.out ?? 'examples', family), seed: integerOption(options.seed ?? 0, '--seed', 0), progress: context.progress}))
  }
  return pairs
}
