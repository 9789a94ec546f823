import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {loadTransformersModel} from '../../src/eval/load-transformers-model'
import {generateAnswerPair} from '../../src/example/generate-answer-pair'
import {writeQwen2VLOnnx} from '../../src/example/qwen2vl-onnx/write-qwen2vl-onnx'
import type {OnnxApplyReport} from '../../src/onnx/types'
import {decodeModel} from '../../src/io/onnx-proto'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'

/**
 * The tiny pair's export is an `onnx apply` template: a merge of the pair, written into the base's
 * graphs, maps without --allow-unmapped, equals the export written from the merged weights
 * directly, and answers like the side its lm_head leans to.
 */
describe('the tiny Qwen2-VL export as an onnx apply template', () => {
  const tmp = useTempDir()

  test('`cmaam onnx apply` of a linear merge at α = 0.75 into the base template maps every parameter and answers like the fine-tune', async () => {
    const pair = await generateAnswerPair({dir: tmp(), answers: {target: {text: 'yes', image: 'ok'}, source: {text: 'no', image: '네'}}})
    const merged = join(tmp(), 'merged')
    expect((await cmaam(['merge', '-s', pair.source, '-t', pair.target, '-o', merged, '--method', 'linear', '--alpha', '0.75', '--quiet'])).code).toBe(0)

    const apply = await cmaam(['onnx', 'apply', '--weights', merged, '--template', pair.target, '--json'])
    expect(apply.stderr).toBe('')
    expect(apply.code).toBe(0)
    const report = JSON.parse(readFileSync(join(merged, 'onnx', 'cmaam_onnx_report.json'), 'utf8')) as OnnxApplyReport
    expect(report.files.map((f) => [f.session, f.unmapped]).sort()).toEqual([
      ['decoder_model_merged', []],
      ['embed_tokens', []],
      ['vision_encoder', []],
    ])
    expect(report.unused_parameters).toEqual([])

    const model = await loadTransformersModel({dir: merged, device: 'cpu', dtype: 'fp32', maxNewTokens: 8})
    expect((await model.answer('Is it?', [])).text).toBe('no')
    await model.dispose()

    // The same graphs as writing the merged weights out directly.
    const direct = join(tmp(), 'direct')
    await writeQwen2VLOnnx({weights: merged, output: direct, modelFiles: false})
    for (const file of ['embed_tokens.onnx', 'vision_encoder.onnx', 'decoder_model_merged.onnx']) {
      const initializers = (dir: string) => new Map(decodeModel(readFileSync(join(dir, 'onnx', file))).graph.initializer.map((t) => [t.name, Buffer.from(t.rawData!).toString('base64')]))
      expect([file, initializers(merged)]).toEqual([file, initializers(direct)])
    }
  })
})
