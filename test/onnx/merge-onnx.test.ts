import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import * as ort from 'onnxruntime-node'
import {openCheckpoint} from '../../src/io/checkpoint/open-checkpoint'
import {decodeModel} from '../../src/io/onnx-proto'
import type {MergeRecord} from '../../src/report/merge-record'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'
import {D, makeValues, transpose, writeCheckpoint, writeTemplate} from './qwen2vl-fixture'

describe('cmaam merge --onnx-template', () => {
  const tmp = useTempDir()

  test('the merged folder gets onnx/ with the merged weights, the card says so, and --config replays it', async () => {
    const source = join(tmp(), 'source')
    const target = join(tmp(), 'target')
    await writeCheckpoint(source, makeValues(5, {twins: 'differ'}))
    await writeCheckpoint(target, makeValues(1, {twins: 'equal'}))
    const template = writeTemplate(join(tmp(), 'template'), makeValues(1, {twins: 'equal'}), {precisions: ['fp32', 'q4']})
    const output = join(tmp(), 'merged')
    const run = await cmaam(['merge', '-s', source, '-t', target, '-o', output, '--method', 'linear', '--alpha', '0.3', '--onnx-template', template.dir, '--onnx-dtype', 'fp32,q4', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const record = JSON.parse(run.stdout) as MergeRecord
    expect(record.onnx).toEqual({
      template: template.dir,
      dtypes: ['fp32', 'q4'],
      files: ['onnx/decoder_model_merged.onnx', 'onnx/decoder_model_merged_q4.onnx', 'onnx/embed_tokens.onnx', 'onnx/embed_tokens_q4.onnx', 'onnx/vision_encoder.onnx', 'onnx/vision_encoder_q4.onnx'],
    })
    expect(readdirSync(join(output, 'onnx')).sort()).toEqual([...record.onnx!.files.map((f) => f.slice(5)), 'cmaam_onnx_report.json'].sort())
    const report = JSON.parse(readFileSync(join(output, 'onnx', 'cmaam_onnx_report.json'), 'utf8'))
    expect([report.weights, report.output]).toEqual([output, join(output, 'onnx')])

    // The ONNX weights are the merged safetensors' (not the template's, nor the target's).
    const checkpoint = await openCheckpoint(output)
    const entry = checkpoint.tensors.get('model.layers.0.self_attn.q_proj.weight')!
    const file = readFileSync(entry.path)
    const merged = new Float32Array(file.buffer.slice(file.byteOffset + entry.offset, file.byteOffset + entry.offset + entry.byteLength))
    const decoder = decodeModel(readFileSync(join(output, 'onnx', 'decoder_model_merged.onnx')))
    const q = decoder.graph.initializer.find((t) => t.name === 'onnx::MatMul_101')!
    const raw = Buffer.from(q.rawData!)
    expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)))).toEqual(Array.from(transpose(merged, D.hidden, D.hidden)))
    const session = await ort.InferenceSession.create(join(output, 'onnx', 'decoder_model_merged_q4.onnx'))
    const logits = (await session.run({inputs_embeds: new ort.Tensor('float32', new Float32Array(D.hidden).fill(0.1), [1, 1, D.hidden])})).logits
    expect(logits.dims).toEqual([1, 1, D.vocab])

    const card = readFileSync(join(output, 'README.md'), 'utf8')
    expect(card).toMatch(/tags:\n(?:- .*\n)*- onnx\n- transformers\.js\n/)
    expect(card).toContain('## ONNX (transformers.js)')
    expect(card).toContain('- `onnx/decoder_model_merged_q4.onnx`')
    const config = readFileSync(join(output, 'cmaam_config.yaml'), 'utf8')
    expect(config).toContain(`onnx-template: "${template.dir}"\n`)
    expect(config).toContain('onnx-dtype: "fp32,q4"\n')

    const again = join(tmp(), 'again')
    const replay = await cmaam(['merge', '--config', join(output, 'cmaam_config.yaml'), '--output', again, '--quiet'])
    expect(replay.stderr).toBe('')
    for (const name of record.onnx!.files) expect(readFileSync(join(again, name)).equals(readFileSync(join(output, name)))).toBe(true)
  })
})
