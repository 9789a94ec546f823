import {join} from 'node:path'
import {runMerge} from '../../../src/merge/run-merge'
import type {MergeRecord} from '../../../src/report/merge-record'
import {mergeSettings, tensorBytes, writeF32Model, type F32Tensor} from '../helpers'

export const QWEN2VL_CONFIG = {model_type: 'qwen2_vl', architectures: ['Qwen2VLForConditionalGeneration']}

/** One tensor of each component of a Qwen2-VL, by the component's name. */
export const NAMES = {
  vision: 'visual.blocks.0.mlp.fc1.weight',
  bridge: 'visual.merger.mlp.0.weight',
  language: 'model.layers.0.mlp.up_proj.weight',
  shared: 'model.embed_tokens.weight',
} as const

/** A model whose four tensors (one per component) all hold `values` (or the component's own). */
export function model(values: Partial<Record<keyof typeof NAMES, number[]>> & {all?: number[]}): F32Tensor[] {
  return (Object.keys(NAMES) as Array<keyof typeof NAMES>).map((c) => {
    const v = values[c] ?? values.all!
    return {name: NAMES[c], shape: [v.length], values: v}
  })
}

/** Writes the target and sources into `dir`, merges them, and returns the record and each output tensor as float32 values. */
export async function mergeModels(
  dir: string,
  target: F32Tensor[],
  sources: F32Tensor[][],
  settings: Omit<Parameters<typeof mergeSettings>[0], 'source' | 'target' | 'output'>,
): Promise<{record: MergeRecord; out: Map<string, number[]>; dirs: {target: string; sources: string[]; output: string}}> {
  const dirs = {target: join(dir, 'target'), sources: sources.map((_, i) => join(dir, `source${i}`)), output: join(dir, 'merged')}
  await writeF32Model(dirs.target, target, QWEN2VL_CONFIG)
  for (const [i, s] of sources.entries()) await writeF32Model(dirs.sources[i], s, QWEN2VL_CONFIG)
  const record = await runMerge(mergeSettings({...settings, source: dirs.sources, target: dirs.target, output: dirs.output}))
  const out = new Map<string, number[]>()
  for (const [name, bytes] of await tensorBytes(dirs.output)) out.set(name, [...new Float32Array(Uint8Array.from(bytes).buffer)])
  return {record, out, dirs}
}

/** Every value rounded once to float32, as the merge writes float32 tensors. */
export const f32 = (values: number[]): number[] => values.map((v) => Math.fround(v))
