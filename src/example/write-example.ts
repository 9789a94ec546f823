import {join, resolve} from 'node:path'
import type {ProgressFactory} from '../progress'
import type {ExampleFamily} from './families'
import {generateAnswerPair, type PlantedAnswers} from './generate-answer-pair'
import {generatePair} from './generate-pair'
import {writeDifferenceAdapter} from './write-difference-adapter'
import {writeExampleData} from './write-example-data'

export interface WriteExampleOptions {
  family: ExampleFamily
  /** Creates `<dir>/target`, `<dir>/source` and, where the example runs end to end, `<dir>/data` and `<dir>/lora`. */
  dir: string
  seed?: number
  progress?: ProgressFactory
}

export interface ExampleFiles {
  family: ExampleFamily
  target: string
  source: string
  /** The VQA test set (test.jsonl + images), for families transformers.js runs. */
  data?: string
  /** A PEFT LoRA adapter of the fine-tune, for the same families. */
  lora?: string
  /** Bytes of weights written for the pair. */
  bytes: number
}

/** What the Qwen2-VL example's models answer: the fine-tune learned Korean ("네"), the base says "yes". */
export const EXAMPLE_ANSWERS: {target: PlantedAnswers; source: PlantedAnswers} = {target: {text: 'no', image: 'yes'}, source: {text: 'no', image: '네'}}

/**
 * How strongly the fine-tune learned its answers: merges answer like it for lm_head α above
 * 1 / (1 + 1.5) = 0.4, so linear 0.3 answers like the base and 0.5, 0.7 like the fine-tune.
 */
export const EXAMPLE_SOURCE_STRENGTH = 1.5

/**
 * One family's example. Qwen2-VL (which transformers.js runs) gets the whole pipeline: a pair whose
 * greedy answers are planted, with each model's ONNX export and transformers.js files, a VQA test
 * set on which base and fine-tune score differently, and the LoRA adapter that turns the base's
 * answers into the fine-tune's. The other families get the pair.
 */
export async function writeExample(options: WriteExampleOptions): Promise<ExampleFiles> {
  const dir = resolve(options.dir)
  if (options.family !== 'qwen2vl') {
    const pair = await generatePair({family: options.family, dir, seed: options.seed, progress: options.progress})
    return {family: options.family, target: pair.target, source: pair.source, bytes: pair.bytes}
  }
  const pair = await generateAnswerPair({dir, answers: EXAMPLE_ANSWERS, seed: options.seed, sourceStrength: EXAMPLE_SOURCE_STRENGTH})
  const data = join(dir, 'data')
  await writeExampleData(data)
  const lora = join(dir, 'lora')
  // Relative, so that the example's files are the same wherever it is written.
  await writeDifferenceAdapter({base: pair.target, finetuned: pair.source, module: 'lm_head', dir: lora, baseLabel: '../target'})
  return {family: options.family, target: pair.target, source: pair.source, data, lora, bytes: pair.bytes}
}
