import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {generateAnswerPair} from '../../src/example/generate-answer-pair'
import {cmaam} from '../helpers/cli'
import {ANSWERS, SOURCE, TARGET, writeKnownData} from './known-answers'

/**
 * `cmaam eval` end to end on the tiny Qwen2-VL pair whose greedy answers are planted
 * (./known-answers.ts: the items, and the metrics worked out by hand from their golds).
 */

describe('cmaam eval on a tiny Qwen2-VL with known answers', () => {
  let root: string
  let data: string
  let pair: {target: string; source: string}
  let out: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cmaam-eval-'))
    pair = await generateAnswerPair({dir: join(root, 'models'), answers: ANSWERS})
    data = writeKnownData(join(root, 'data'))
  })
  afterAll(() => rmSync(root, {recursive: true, force: true}))
  beforeEach(() => {
    out = mkdtempSync(join(root, 'out-'))
  })

  const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))
  const predictions = (model: string, dir = out) =>
    readFileSync(join(dir, `${model}_predictions.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l))

  test('two models: metrics, per-category numbers, skips, results, predictions and the comparison', async () => {
    const run = await cmaam(['eval', '--model', pair.target, '--model', pair.source, '--data', data, '--output', out, '--max-new-tokens', '8'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    const target = readJson(join(out, 'target_results.json'))
    expect(target.metrics).toMatchObject(TARGET)
    expect(target.metrics.seconds).toBeGreaterThan(0)
    expect(target.metrics.tokens_per_second).toBeGreaterThan(0)
    // The prediction is the new tokens only: the answer, not the prompt.
    expect(target.results).toEqual([
      {question: '이것은 빨간색입니까?', gold: '네', pred: 'yes', exact_match: false, contains_match: false, category: 'color'},
      {question: 'Is it red? Explain.', gold: '빨간 픽셀이 많다. answer: 네', pred: 'yes', exact_match: false, contains_match: false, category: 'color'},
      {question: 'Is the sky green?', gold: ' No ', pred: 'no', exact_match: true, contains_match: true, category: 'logic'},
      {question: 'Is the sky blue?', gold: 'The sky is blue, so... Answer: NO', pred: 'no', exact_match: false, contains_match: true, category: null},
      {question: 'Say no', gold: 'no', pred: 'no', exact_match: true, contains_match: true, category: 'logic'},
      {question: 'Red?', gold: 'Yes', pred: 'yes', exact_match: true, contains_match: true, category: 'color'},
      {question: 'Both red?', gold: 'yes', pred: 'yes', exact_match: true, contains_match: true, category: 'color'},
    ])
    expect(target.selection).toEqual({data, data_items: 9, max_samples: null, shard: null, items: 9})
    expect(target.settings).toEqual({model: pair.target, dtype: 'fp32', max_new_tokens: 8})

    const source = readJson(join(out, 'source_results.json'))
    expect(source.metrics).toMatchObject(SOURCE)
    expect(source.results.map((r: {pred: string}) => r.pred)).toEqual(['네', '네', 'nope', 'nope', 'nope', '네', '네'])

    const lines = predictions('source')
    expect(lines[0]).toEqual({cmaam_eval: {model: pair.source, dtype: 'fp32', max_new_tokens: 8}})
    expect(lines.slice(1).map((r: {line: number; skipped?: string}) => [r.line, r.skipped ?? 'answered'])).toEqual([
      [1, 'answered'], [2, 'answered'], [3, 'answered'], [4, 'missing_image'], [5, 'unreadable_image'], [6, 'answered'], [7, 'answered'], [8, 'answered'], [9, 'answered'],
    ])
    // "네" is three byte tokens, then <|im_end|>.
    expect(lines[1].new_tokens).toBe(4)
    expect(lines[4].detail).toBe(join(root, 'data', 'images', 'missing.png'))

    const comparison = readJson(join(out, 'comparison.json'))
    expect(comparison.map((m: {model: string}) => m.model)).toEqual(['target', 'source'])
    const markdown = readFileSync(join(out, 'comparison.md'), 'utf8')
    expect(markdown).toContain('| target | 7 | 57.1% | 71.4% | 2 |')
    expect(markdown).toContain('| source | 7 | 14.3% | 71.4% | 2 |')
    expect(markdown).toContain('| target | 50.0% / 50.0% (n=4) | 100.0% / 100.0% (n=2) |')
    expect(markdown).toContain('| source | 25.0% / 50.0% (n=4) | 0.0% / 100.0% (n=2) |')
    // The terminal shows the same table.
    expect(run.stdout).toMatch(/target\s+7\s+57\.1%\s+71\.4%\s+2/)
    expect(run.stdout).toMatch(/source\s+25\.0% \/ 50\.0% \(n=4\)\s+0\.0% \/ 100\.0% \(n=2\)/)
    expect(run.stdout).toContain('skipped target: 1 missing image, 1 unreadable image; source: 1 missing image, 1 unreadable image')
  })

  test('an interrupted run resumes where it stopped; changed settings need --restart', async () => {
    const first = await cmaam(['eval', '-m', pair.target, '--data', data, '-o', out, '--max-new-tokens', '8', '--max-samples', '3', '--json'])
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout).models[0]).toMatchObject({model: 'target', asked: 3, resumed: 0})

    // Simulate a kill during the 3rd sample: its line is half written.
    const path = join(out, 'target_predictions.jsonl')
    const lines = readFileSync(path, 'utf8').split('\n')
    writeFileSync(path, lines.slice(0, 3).join('\n') + '\n' + lines[3].slice(0, 20))

    const resumed = await cmaam(['eval', '-m', pair.target, '--data', data, '-o', out, '--max-new-tokens', '8', '--json'])
    expect(resumed.code).toBe(0)
    const run = JSON.parse(resumed.stdout)
    expect(run.models[0]).toMatchObject({model: 'target', asked: 7, resumed: 2})
    expect(run.models[0].metrics).toMatchObject(TARGET)
    expect(predictions('target').slice(1).map((r: {line: number}) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])

    const again = await cmaam(['eval', '-m', pair.target, '--data', data, '-o', out, '--max-new-tokens', '8', '--json'])
    expect(JSON.parse(again.stdout).models[0]).toMatchObject({asked: 0, resumed: 9})

    const changed = await cmaam(['eval', '-m', pair.target, '--data', data, '-o', out, '--max-new-tokens', '16'])
    expect(changed.code).toBe(1)
    expect(changed.stderr).toContain(`Error: ${path} was made with other settings (max_new_tokens 8 → 16)`)
    expect(changed.stderr).toContain('--restart')

    const restarted = await cmaam(['eval', '-m', pair.target, '--data', data, '-o', out, '--max-new-tokens', '16', '--restart', '--json'])
    expect(JSON.parse(restarted.stdout).models[0]).toMatchObject({asked: 9, resumed: 0, metrics: TARGET})
  })

  test('shards combine into the results of one run; a missing or repeated shard is refused', async () => {
    const shardDirs = [0, 1].map((i) => join(out, `shard-${i}`))
    for (const [i, dir] of shardDirs.entries()) {
      const run = await cmaam(['eval', '-m', pair.source, '--data', data, '-o', dir, '--max-new-tokens', '8', '--shard', `${i}/2`, '--json'])
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout).selection.shard).toBe(`${i}/2`)
    }
    const sizes = shardDirs.map((dir) => readJson(join(dir, 'source_results.json')).selection.items)
    expect(sizes[0] + sizes[1]).toBe(9)
    expect(Math.min(...sizes)).toBeGreaterThan(0)

    const combinedDir = join(out, 'combined')
    const combined = await cmaam(['eval', '--combine', ...shardDirs, '-o', combinedDir])
    expect(combined.code).toBe(0)
    expect(combined.stdout).toContain(`Combined 2 shards of source into ${combinedDir}`)
    const results = readJson(join(combinedDir, 'source_results.json'))
    expect(results.metrics).toMatchObject(SOURCE)
    expect(results.selection).toMatchObject({shard: null, items: 9, data_items: 9})
    expect(results.results.map((r: {question: string}) => r.question)).toEqual(['이것은 빨간색입니까?', 'Is it red? Explain.', 'Is the sky green?', 'Is the sky blue?', 'Say no', 'Red?', 'Both red?'])
    expect(readJson(join(combinedDir, 'comparison.json'))).toHaveLength(1)

    const missing = await cmaam(['eval', '--combine', shardDirs[1], '-o', join(out, 'x')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('Error: Missing shard 0/2 of source')

    const into = await cmaam(['eval', '--combine', ...shardDirs, '-o', shardDirs[0]])
    expect(into.code).toBe(1)
    expect(into.stderr).toContain(`Error: --output ${shardDirs[0]} is one of the shard folders being combined`)

    const twice = await cmaam(['eval', '--combine', shardDirs[0], shardDirs[0], shardDirs[1], '-o', join(out, 'y')])
    expect(twice.code).toBe(1)
    expect(twice.stderr).toContain(`Error: Shard 0/2 of source is in both ${shardDirs[0]} and ${shardDirs[0]}`)
  })

  test('user errors: a folder without the dtype’s ONNX files, an unknown device', async () => {
    const q4 = await cmaam(['eval', '-m', pair.target, '--data', data, '-o', out, '--dtype', 'q4'])
    expect(q4.code).toBe(1)
    expect(q4.stderr).toContain(`Error: ${pair.target} has no onnx/embed_tokens_q4.onnx, onnx/vision_encoder_q4.onnx, onnx/decoder_model_merged_q4.onnx (needed for --dtype q4)`)
    expect(q4.stderr).toContain('Its ONNX export has: fp32')

    const device = await cmaam(['eval', '-m', pair.target, '--data', data, '-o', out, '--device', 'tpu'])
    expect(device.code).toBe(2)
    expect(device.stderr).toMatch(/Expected --device=tpu to be one of: auto, cpu, cuda, webgpu/)

    // Without a GPU driver (as in CI) cuda cannot start: one clear error line naming what is missing, and hints.
    const cuda = await cmaam(['eval', '-m', pair.target, '--data', data, '-o', out, '--device', 'cuda'])
    if (cuda.code !== 0) {
      expect(cuda.code).toBe(1)
      expect(cuda.stderr).toMatch(/^Error: --device cuda is not available: .*(NVIDIA driver|CUDA libraries|CUDA 12|cuDNN).*\n/)
      expect(cuda.stderr).toContain('--device cpu')
      expect(cuda.stderr).not.toMatch(/\n\s+at /)
    }
  })
})
