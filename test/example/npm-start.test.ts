import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {EXAMPLE_ANSWERS, EXAMPLE_SOURCE_STRENGTH} from '../../src/example/write-example'
import {readWeights} from '../../src/example/qwen2vl-onnx/read-weights'
import {EXAMPLE_QUESTIONS} from '../../src/example/write-example-data'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'

const ROOT = join(__dirname, '..', '..')

/**
 * The commands `npm start` runs after the build, with `examples` moved to a temporary folder:
 * `node bin/run.js ARGS` becomes the argv of `cmaam`.
 */
function startCommands(out: string): string[][] {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start
  const commands = script.split('&&').map((part) => part.trim().split(/\s+/))
  expect(commands[0]).toEqual(['npm', 'run', 'build'])
  return commands.slice(1).map((words) => {
    expect(words.slice(0, 2)).toEqual(['node', 'bin/run.js'])
    return words.slice(2).map((word) => word.replace(/^examples(?=\/|$)/, out))
  })
}

/**
 * What a model answers to a question: the example's models answer each image question with their
 * planted image answer and each text question with their text answer. A merge answers like the
 * fine-tune when its lm_head α·strength outweighs (1 − α) (the planted table lives in lm_head).
 */
function expectedMetrics(lmHeadAlpha: number | 'base' | 'finetuned') {
  const role = lmHeadAlpha === 'base' ? 'target' : lmHeadAlpha === 'finetuned' ? 'source' : lmHeadAlpha * EXAMPLE_SOURCE_STRENGTH > 1 - lmHeadAlpha ? 'source' : 'target'
  const right = EXAMPLE_QUESTIONS.map((q) => (q.color ? EXAMPLE_ANSWERS[role].image : EXAMPLE_ANSWERS[role].text) === q.answer)
  const perCategory: Record<string, {n: number; exact_match_accuracy: number}> = {}
  for (const [i, q] of EXAMPLE_QUESTIONS.entries()) {
    const c = (perCategory[q.category] ??= {n: 0, exact_match_accuracy: 0})
    c.n++
    c.exact_match_accuracy += right[i] ? 1 : 0
  }
  for (const c of Object.values(perCategory)) c.exact_match_accuracy /= c.n
  return {n_samples: EXAMPLE_QUESTIONS.length, exact_match_accuracy: right.filter(Boolean).length / right.length, per_category: perCategory}
}

describe('npm start: the bundled example end to end, offline', () => {
  const tmp = useTempDir()

  test('example → experiment: CMAAM and linear 0.3/0.5/0.7 merged, exported, evaluated and reported', async () => {
    const out = tmp()
    const [example, experiment] = startCommands(out)
    expect(example[0]).toBe('example')
    expect(experiment[0]).toBe('experiment')
    const generated = await cmaam(example)
    expect(generated.code).toBe(0)
    const dir = join(out, 'qwen2vl')
    expect(readdirSync(dir).sort()).toEqual(['data', 'lora', 'source', 'target'])
    for (const file of ['onnx/embed_tokens.onnx', 'onnx/vision_encoder.onnx', 'onnx/decoder_model_merged.onnx', 'preprocessor_config.json']) expect(existsSync(join(dir, 'target', file))).toBe(true)
    expect(JSON.parse(readFileSync(join(dir, 'target', 'preprocessor_config.json'), 'utf8')).processor_class).toBe('Qwen2VLProcessor')
    expect(readFileSync(join(dir, 'data', 'test.jsonl'), 'utf8').trim().split('\n')).toHaveLength(EXAMPLE_QUESTIONS.length)

    // The example's LoRA adapter turns the base's lm_head into the fine-tune's (up to bf16 rounding).
    const lora = await cmaam(['lora', 'merge', '--base', join(dir, 'target'), '--adapter', join(dir, 'lora'), '--output', join(out, 'lora-merged'), '--quiet'])
    expect(lora.code).toBe(0)
    const [merged, source, base] = await Promise.all([join(out, 'lora-merged'), join(dir, 'source'), join(dir, 'target')].map(async (d) => (await readWeights(d)).get('lm_head.weight')!.values))
    let largest = 0
    for (let i = 0; i < merged.length; i++) largest = Math.max(largest, Math.abs(merged[i] - source[i]) - 2 ** -7 * Math.abs(source[i]))
    expect(largest).toBeLessThanOrEqual(0)
    expect(merged.some((v, i) => v !== base[i])).toBe(true)

    const run = await cmaam(experiment)
    expect([run.code, run.error?.message]).toEqual([0, undefined])
    const output = experiment[experiment.indexOf('--output') + 1]
    const report = JSON.parse(readFileSync(join(output, 'report.json'), 'utf8'))
    const metrics = Object.fromEntries(report.results[0].metrics.map((m: {model: string}) => [m.model, m]))
    expect(Object.keys(metrics)).toEqual(['base', 'finetuned', 'cmaam', 'linear-0.3', 'linear-0.5', 'linear-0.7'])
    const cmaamAlpha = JSON.parse(readFileSync(join(output, 'models', 'cmaam', 'cmaam_alphas.json'), 'utf8')).alphas['lm_head.weight']
    const expected: Record<string, ReturnType<typeof expectedMetrics>> = {
      base: expectedMetrics('base'),
      finetuned: expectedMetrics('finetuned'),
      cmaam: expectedMetrics(cmaamAlpha),
      'linear-0.3': expectedMetrics(0.3),
      'linear-0.5': expectedMetrics(0.5),
      'linear-0.7': expectedMetrics(0.7),
    }
    for (const [model, want] of Object.entries(expected)) expect([model, metrics[model]]).toEqual([model, expect.objectContaining({...want, per_category: expect.objectContaining(Object.fromEntries(Object.entries(want.per_category).map(([c, v]) => [c, expect.objectContaining(v)])))})])
    // Base and fine-tune score differently, and the linear merges move from one to the other.
    expect(expected.base.exact_match_accuracy).not.toBe(expected.finetuned.exact_match_accuracy)
    expect(expected['linear-0.3']).toEqual(expected.base)
    expect(expected['linear-0.7']).toEqual(expected.finetuned)

    const pct = (v: number) => `${(v * 100).toFixed(1)} %`
    const markdown = readFileSync(join(output, 'report.md'), 'utf8')
    for (const [model, want] of Object.entries(expected)) expect(markdown).toMatch(new RegExp(`^\\| ${model} \\| [^|]+ \\| ${pct(want.exact_match_accuracy)} \\|`, 'm'))
    for (const chart of ['test-accuracy.svg', 'test-categories.svg']) expect(readFileSync(join(output, 'charts', chart), 'utf8')).toMatch(/^<svg/)
    expect(run.stdout).toContain(`report: ${output}/report.md`)
  }, 300_000)
})
