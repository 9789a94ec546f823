import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {silentProgress} from '../../src/progress'
import {loadTransformersModel} from '../../src/eval/load-transformers-model'
import {generateAnswerPair} from '../../src/example/generate-answer-pair'
import {CHART_HEIGHT} from '../../src/experiment/accuracy-chart'
import {runExperiment} from '../../src/experiment/run-experiment'
import type {ExperimentOptions, StepEvent} from '../../src/experiment/types'
import {writeSafetensors} from '../../src/io/safetensors/write-safetensors'
import {cmaam} from '../helpers/cli'
import {alive, serverPids, serveTemplate, writeConfig} from '../eval/test-server'

/**
 * The experiment end to end on the tiny Qwen2-VL pair whose greedy answers are planted: the base
 * answers "no" to everything, the fine-tune "yes". A merge answers like the model whose lm_head
 * weighs more, so linear α = 0.3 answers like the base and α = 0.7 like the fine-tune; the CMAAM
 * merge is clamped to α ≥ 0.8 and answers like the fine-tune. Three golds are "yes", one is "no".
 */
const ITEMS = [
  {messages: [{role: 'user', content: '한국어로 대답하세요: 맞습니까?'}, {role: 'assistant', content: 'yes'}], category: 'korean'},
  {messages: [{role: 'user', content: [{type: 'text', text: 'Is it right?'}]}, {role: 'assistant', content: 'Yes'}], category: 'korean'},
  {messages: [{role: 'user', content: 'Think, then say. '}, {role: 'assistant', content: 'It holds. answer: yes'}], category: 'korean'},
  {messages: [{role: 'user', content: 'Is the sky green?'}, {role: 'assistant', content: 'no'}], category: 'general'},
]
const PLANTED = {target: {text: 'no', image: 'x'}, source: {text: 'yes', image: 'a'}}
// base: exact 1/4 (the "no"), contains 1/4; fine-tune: exact 2/4 ("yes", "Yes"), contains 3/4.
const BASE = {n_samples: 4, exact_match_accuracy: 0.25, contains_accuracy: 0.25, per_category: {korean: {n: 3, exact_match_accuracy: 0, contains_accuracy: 0}, general: {n: 1, exact_match_accuracy: 1, contains_accuracy: 1}}}
const TUNED = {n_samples: 4, exact_match_accuracy: 0.5, contains_accuracy: 0.75, per_category: {korean: {n: 3, exact_match_accuracy: 2 / 3, contains_accuracy: 1}, general: {n: 1, exact_match_accuracy: 0, contains_accuracy: 0}}}

describe('cmaam experiment on tiny models with known answers', () => {
  let root: string
  let pair: {target: string; source: string}
  let data: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cmaam-experiment-'))
    pair = await generateAnswerPair({dir: join(root, 'pair'), answers: PLANTED, dtype: 'F32'})
    data = join(root, 'data')
    mkdirSync(data)
    writeFileSync(join(data, 'test.jsonl'), ITEMS.map((item) => JSON.stringify(item)).join('\n') + '\n')
  })
  afterAll(() => rmSync(root, {recursive: true, force: true}))

  function options(output: string, overrides: Partial<ExperimentOptions> = {}, events: StepEvent[] = []): ExperimentOptions {
    return {
      base: pair.target,
      finetuned: pair.source,
      data,
      extraData: [],
      output,
      linearAlphas: [0.3, 0.7],
      merge: {
        method: {default: 'cmaam', components: {}},
        params: {},
        weights: null,
        normalize: null,
        alphaFrom: null,
        alpha: {strategy: 'full', baseAlpha: 0.3, minAlpha: 0.8, maxAlpha: 0.95},
        modelType: 'auto',
        compat: 'default',
        seed: 0,
        dtype: 'keep',
        maxShardBytes: 5e9,
        allowNonfinite: false,
        threads: 1,
        device: 'cpu',
      },
      maxNewTokens: 6,
      device: 'cpu',
      dtype: 'fp32',
      settings: () => {
        throw new Error('no Hub access in this test')
      },
      loadModel: loadTransformersModel,
      progress: silentProgress,
      onStep: (event) => events.push(event),
      ...overrides,
    }
  }

  const ran = (events: StepEvent[]) => events.filter((e) => e.state === 'done').map((e) => e.id)
  const reused = (events: StepEvent[]) => events.filter((e) => e.state === 'reused').map((e) => e.id)

  test('merges, converts, evaluates and reports; a second run does no work; new linear alphas redo only their steps', async () => {
    const output = join(root, 'run')
    const first: StepEvent[] = []
    const report = await runExperiment(options(output, {}, first))
    expect(ran(first)).toEqual([
      'link base', 'link finetuned',
      'merge cmaam', 'onnx cmaam', 'merge linear-0.3', 'onnx linear-0.3', 'merge linear-0.7', 'onnx linear-0.7',
      'eval test base', 'eval test finetuned', 'eval test cmaam', 'eval test linear-0.3', 'eval test linear-0.7',
    ])
    const metrics = Object.fromEntries(report.results[0].metrics.map((m) => [m.model, m]))
    expect(Object.keys(metrics)).toEqual(['base', 'finetuned', 'cmaam', 'linear-0.3', 'linear-0.7'])
    for (const name of ['base', 'linear-0.3']) expect(metrics[name]).toMatchObject(BASE)
    for (const name of ['finetuned', 'cmaam', 'linear-0.7']) expect(metrics[name]).toMatchObject(TUNED)
    expect(report.alphas!.overall.min).toBeGreaterThanOrEqual(0.8)

    const markdown = readFileSync(join(output, 'report.md'), 'utf8')
    expect(markdown).toContain('| base | Base model (the merge target) | 25.0 % | 25.0 % | 4 | 0 |')
    expect(markdown).toContain('| cmaam | CMAAM (full strategy, α₀ = 0.3) | 50.0 % | 75.0 % | 4 | 0 |')
    expect(markdown).toContain('| linear-0.3 | Linear interpolation, α = 0.3 | 25.0 % | 25.0 % | 4 | 0 |')
    expect(markdown).toContain('| korean | 0.0 % (0.0 %), n = 3 | 100.0 % (66.7 %), n = 3 |')
    expect(markdown).toContain('![charts/test-accuracy.svg](charts/test-accuracy.svg)')
    expect(JSON.parse(readFileSync(join(output, 'report.json'), 'utf8')).results[0].metrics[2]).toMatchObject({model: 'cmaam', ...TUNED})

    // One bar per model and metric, each as tall as its accuracy on a 0–100 % axis.
    const svg = readFileSync(join(output, 'charts', 'test-accuracy.svg'), 'utf8')
    const bars = [...svg.matchAll(/aria-label="model: ([^;]+); accuracy: [^;]+; series: ([^;]+);[^"]*"[^>]*aria-roledescription="bar" d="M[\d.]+,([\d.]+)h[\d.]+v([\d.]+)h/g)]
      .map(([, model, series, , height]) => ({model, series, height: Number(height)}))
    const expected = Object.entries(metrics).flatMap(([model, m]) => [
      {model, series: 'exact match', height: m.exact_match_accuracy * CHART_HEIGHT},
      {model, series: 'contains', height: m.contains_accuracy * CHART_HEIGHT},
    ])
    expect(bars.map((b) => ({...b, height: Math.round(b.height * 1000) / 1000}))).toEqual(expected.map((b) => ({...b, height: Math.round(b.height * 1000) / 1000})))

    const second: StepEvent[] = []
    await runExperiment(options(output, {}, second))
    expect(ran(second)).toEqual([])
    expect(reused(second)).toHaveLength(13)

    const third: StepEvent[] = []
    const changed = await runExperiment(options(output, {linearAlphas: [0.3, 0.9]}, third))
    expect(ran(third)).toEqual(['merge linear-0.9', 'onnx linear-0.9', 'eval test linear-0.9'])
    expect(changed.results[0].metrics.map((m) => m.model)).toEqual(['base', 'finetuned', 'cmaam', 'linear-0.3', 'linear-0.9'])
    expect(changed.results[0].metrics[4]).toMatchObject(TUNED)
    // The set's comparison shows this run's models; linear-0.7 of the earlier run is set apart.
    const comparison = readFileSync(join(output, 'eval', 'test', 'comparison.md'), 'utf8')
    const [table, others] = comparison.split('## Other results in this folder')
    expect(table).toContain('| linear-0.9 |')
    expect(table).not.toContain('linear-0.7')
    expect(others).toContain('`linear-0.7`')
    expect(JSON.parse(readFileSync(join(output, 'eval', 'test', 'comparison.json'), 'utf8')).map((m: {model: string}) => m.model)).toEqual(['base', 'finetuned', 'cmaam', 'linear-0.3', 'linear-0.9'])
    expect(JSON.parse(readFileSync(join(output, 'eval', 'test', 'comparison-others.json'), 'utf8')).map((m: {model: string}) => m.model)).toEqual(['linear-0.7'])
  })

  test('a LoRA adapter as the fine-tune is merged into the base first (a zero update answers like the base)', async () => {
    const adapter = join(root, 'adapter')
    mkdirSync(adapter)
    writeFileSync(join(adapter, 'adapter_config.json'), JSON.stringify({peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['q_proj']}))
    // Hidden size 64 of the tiny model: A [r, 64], B [64, r] = 0.
    await writeSafetensors(join(adapter, 'adapter_model.safetensors'), [
      {name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', dtype: 'F32', shape: [2, 64], data: new Uint8Array(Float32Array.from({length: 128}, (_, i) => (i % 7) / 7).buffer)},
      {name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight', dtype: 'F32', shape: [64, 2], data: new Uint8Array(64 * 2 * 4)},
    ])
    const events: StepEvent[] = []
    const report = await runExperiment(options(join(root, 'lora'), {finetuned: adapter, linearAlphas: []}, events))
    expect(ran(events).slice(0, 3)).toEqual(['link base', 'lora finetuned', 'onnx finetuned'])
    expect(report.models[1]).toMatchObject({name: 'finetuned', description: 'Fine-tune (its LoRA adapter merged into the base)'})
    expect(report.results[0].metrics[1]).toMatchObject({model: 'finetuned', ...BASE})
  })

  test('the command prints the table and one line per step; bad input is one clear error', async () => {
    const output = join(root, 'cli')
    const run = await cmaam(['experiment', '--base', pair.target, '--finetuned', pair.source, '--data', data, '--output', output, '--linear-alphas', '0.3', '--min-alpha', '0.8', '--max-new-tokens', '6', '--threads', '1'])
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('✓ merge cmaam in ')
    expect(run.stderr).toContain('✓ eval test linear-0.3 in ')
    expect(run.stdout).toMatch(/cmaam\s.*50\.0/)
    expect(run.stdout).toContain(`report: ${output}/report.md`)
    const again = await cmaam(['experiment', '--base', pair.target, '--finetuned', pair.source, '--data', data, '--output', output, '--linear-alphas', '0.3', '--min-alpha', '0.8', '--max-new-tokens', '6', '--threads', '1', '--json'])
    expect(again.stderr).toContain('· merge cmaam (done in an earlier run)')
    expect(JSON.parse(again.stdout).steps.every((s: {reused: boolean}) => s.reused)).toBe(true)

    const missing = await cmaam(['experiment', '--base', pair.target, '--finetuned', pair.source, '--data', join(root, 'nowhere'), '--output', join(root, 'x')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(`Error: Test set not found: ${join(root, 'nowhere', 'test.jsonl')}\nPoint --data at the folder \`cmaam data prepare\` wrote (it holds test.jsonl).\n`)
    // A failed run leaves no empty experiment folder behind.
    expect(existsSync(join(root, 'x'))).toBe(false)
  })

  test('--serve: every model evaluated through a server started from its weights; no ONNX written, the report says so', async () => {
    const output = join(root, 'served')
    const pidFile = join(root, 'served-pids')
    // The test server answers like the planted model whose lm_head the served folder's is nearest to.
    const template = serveTemplate(writeConfig(join(root, 'served.json'), {known: [{dir: pair.target, answers: PLANTED.target}, {dir: pair.source, answers: PLANTED.source}], pidFile}))
    const args = ['experiment', '--base', pair.target, '--finetuned', pair.source, '--data', data, '--output', output, '--linear-alphas', '0.3,0.7', '--min-alpha', '0.8', '--max-new-tokens', '6', '--threads', '1', '--serve', `"${template}"`, '--concurrency', '2', '--json']
    const run = await cmaam(args)
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.steps.map((s: {id: string}) => s.id)).toEqual([
      'link base', 'link finetuned', 'merge cmaam', 'merge linear-0.3', 'merge linear-0.7',
      'eval test base', 'eval test finetuned', 'eval test cmaam', 'eval test linear-0.3', 'eval test linear-0.7',
    ])
    const metrics = Object.fromEntries(report.results[0].metrics.map((m: {model: string}) => [m.model, m]))
    for (const name of ['base', 'linear-0.3']) expect(metrics[name]).toMatchObject(BASE)
    for (const name of ['finetuned', 'cmaam', 'linear-0.7']) expect(metrics[name]).toMatchObject(TUNED)
    expect(report.settings).toMatchObject({backend: 'serve', serve: template, onnx_template: null, dtype: null})

    const markdown = readFileSync(join(output, 'report.md'), 'utf8')
    expect(markdown).toContain(`Evaluated through an OpenAI-compatible server started for each model with \`--serve ${template}\` (no ONNX export)`)
    expect(markdown).toContain('| cmaam | CMAAM (full strategy, α₀ = 0.3) | 50.0 % | 75.0 % | 4 | 0 |')
    // What the experiment wrote (base and fine-tune are links to the given folders, not followed).
    const written = (dir: string): string[] => readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? written(join(dir, e.name)) : [join(dir, e.name)]))
    const files = written(output)
    expect(files.filter((file) => /\.onnx(_data)?$/.test(file))).toEqual([])
    expect(files).toContain(join(output, 'eval', 'test', 'cmaam_server.log'))
    expect(files).toContain(join(output, 'models', 'cmaam', 'model.safetensors'))
    const pids = serverPids(pidFile)
    expect(pids).toHaveLength(5)
    for (const pid of pids) expect(alive(pid)).toBe(false)

    const again = await cmaam(args)
    expect(JSON.parse(again.stdout).steps.every((s: {reused: boolean}) => s.reused)).toBe(true)
    expect(serverPids(pidFile)).toHaveLength(5)
  })
})
