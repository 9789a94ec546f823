import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {CmaamError} from '../../src/errors'
import {openCheckpoint} from '../../src/io/checkpoint/open-checkpoint'
import {checkCoverage} from '../../src/merge/check-coverage'
import * as planModule from '../../src/merge/plan-merge'
import {runMerge} from '../../src/merge/run-merge'
import {getAdapter} from '../../src/models'
import {useTempDir} from '../helpers/temp-dir'
import {mergeSettings, writeF32Model, type F32Tensor} from './helpers'

// planMerge stays the real one unless a test makes it drop a tensor.
jest.mock('../../src/merge/plan-merge', () => {
  const actual = jest.requireActual('../../src/merge/plan-merge')
  return {...actual, planMerge: jest.fn(actual.planMerge)}
})
const planMerge = planModule.planMerge as jest.MockedFunction<typeof planModule.planMerge>

const t = (name: string, shape: number[]): F32Tensor => ({name, shape, values: Array.from({length: shape.reduce((a, b) => a * b, 1)}, (_, i) => Math.sin(i + name.length))})
const shifted = (tensor: F32Tensor): F32Tensor => ({...tensor, values: tensor.values.map((v) => v + 0.25)})

/** Qwen2-VL names: one merged tensor per component, a shape mismatch (kept), one tensor only in each model (copied). */
const COMMON = [t('visual.blocks.0.attn.qkv.weight', [2, 2]), t('visual.merger.mlp.0.weight', [2, 2]), t('model.layers.0.mlp.up_proj.weight', [2, 2]), t('model.embed_tokens.weight', [4, 2])]
const TARGET = [...COMMON, t('model.layers.0.self_attn.q_proj.weight', [3]), t('lm_head.weight', [4, 2])]
const SOURCE = [...COMMON.map(shifted), t('model.layers.0.self_attn.q_proj.weight', [2]), t('visual.blocks.1.attn.qkv.weight', [2, 2])]

describe('the coverage guarantee', () => {
  const tmp = useTempDir()
  const write = async () => {
    await writeF32Model(join(tmp(), 'target'), TARGET, {model_type: 'qwen2_vl'})
    await writeF32Model(join(tmp(), 'source'), SOURCE, {model_type: 'qwen2_vl'})
    return {target: await openCheckpoint(join(tmp(), 'target')), source: await openCheckpoint(join(tmp(), 'source'))}
  }
  const inputsOf = (m: Awaited<ReturnType<typeof write>>) => [{label: 'target', checkpoint: m.target}, {label: 'source', checkpoint: m.source}]

  it('counts per component what is merged, kept and copied: every input tensor once', async () => {
    const models = await write()
    const plan = planMerge([models.source], models.target, getAdapter('qwen2vl'), {dtype: 'keep', vocabularyRows: false})
    expect(checkCoverage(plan, inputsOf(models))).toEqual({
      vision: {merged: 1, kept: 0, copied: 1},
      bridge: {merged: 1, kept: 0, copied: 0},
      language: {merged: 1, kept: 1, copied: 0},
      shared: {merged: 1, kept: 0, copied: 1},
    })
  })

  it('fails naming the tensors a plan would drop, or plans twice', async () => {
    const models = await write()
    const plan = planMerge([models.source], models.target, getAdapter('qwen2vl'), {dtype: 'keep', vocabularyRows: false})
    const dropped = {...plan, tensors: plan.tensors.filter((x) => x.name !== 'model.layers.0.mlp.up_proj.weight' && x.name !== 'visual.blocks.1.attn.qkv.weight')}
    expect(() => checkCoverage(dropped, inputsOf(models))).toThrow(
      new CmaamError(
        'The merged model would not hold every input tensor: 3 input tensors neither merged nor copied: ' +
          'model.layers.0.mlp.up_proj.weight (target), model.layers.0.mlp.up_proj.weight (source), visual.blocks.1.attn.qkv.weight (source)',
      ),
    )
    const twice = {...plan, tensors: [...plan.tensors, plan.tensors[0]]}
    expect(() => checkCoverage(twice, inputsOf(models))).toThrow(`1 tensor planned twice: ${plan.tensors[0].name}`)
  })

  it('stops a merge whose plan drops a tensor before anything is written', async () => {
    await write()
    planMerge.mockImplementationOnce((...args) => {
      const plan = jest.requireActual('../../src/merge/plan-merge').planMerge(...args) as planModule.MergePlan
      return {...plan, tensors: plan.tensors.filter((x) => x.name !== 'lm_head.weight')}
    })
    const output = join(tmp(), 'merged')
    await expect(runMerge(mergeSettings({source: join(tmp(), 'source'), target: join(tmp(), 'target'), output, method: 'linear'}))).rejects.toThrow(
      'The merged model would not hold every input tensor: 1 input tensor neither merged nor copied: lm_head.weight (target)',
    )
    expect(existsSync(output)).toBe(false)

    const record = await runMerge(mergeSettings({source: join(tmp(), 'source'), target: join(tmp(), 'target'), output, method: 'linear'}))
    expect(record.compatibility.coverage.shared).toEqual({merged: 1, kept: 0, copied: 1})
  })
})
