import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {openCheckpoint} from '../../src/io/checkpoint/open-checkpoint'
import {writeSafetensors} from '../../src/io/safetensors/write-safetensors'
import {silentProgress} from '../../src/progress'
import type {MergeSettings} from '../../src/merge/run-merge'
import {perComponentOption} from '../../src/api/options/values'
import type {MethodName} from '../../src/merge/methods/types'

export interface F32Tensor {
  name: string
  shape: number[]
  values: number[]
}

/** A one-file model of float32 tensors (float32 holds the test values exactly). */
export async function writeF32Model(dir: string, tensors: F32Tensor[], config?: Record<string, unknown>): Promise<void> {
  mkdirSync(dir, {recursive: true})
  await writeSafetensors(
    join(dir, 'model.safetensors'),
    tensors.map((t) => ({name: t.name, dtype: 'F32' as const, shape: t.shape, data: new Uint8Array(Float32Array.from(t.values).buffer)})),
  )
  if (config) writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
}

/** Every tensor's raw bytes, by name. */
export async function tensorBytes(dir: string): Promise<Map<string, Buffer>> {
  const checkpoint = await openCheckpoint(dir)
  const out = new Map<string, Buffer>()
  for (const [name, t] of checkpoint.tensors) {
    const file = readFileSync(t.path)
    out.set(name, file.subarray(t.offset, t.offset + t.byteLength))
  }
  return out
}

/**
 * Merge settings with test defaults; `method` as `--method` takes it (`ties,vision=keep-target`),
 * `linearAlpha` as `--alpha`, and `source` one folder or several.
 */
export function mergeSettings(
  overrides: Omit<Partial<MergeSettings>, 'method'> & {source: string | string[]; target: string; output: string; method?: string; linearAlpha?: number},
): MergeSettings {
  const {source, method, linearAlpha, ...rest} = overrides
  return {
    method: perComponentOption(method ?? 'cmaam', '--method', 'cmaam' as MethodName, (value) => value as MethodName),
    params: linearAlpha === undefined ? {} : {alpha: {default: linearAlpha, components: {}}},
    weights: null,
    normalize: null,
    alphaFrom: null,
    sources: Array.isArray(source) ? source : [source],
    alpha: {},
    modelType: 'auto',
    compat: 'default',
    seed: 0,
    dtype: 'keep',
    maxShardBytes: 5e9,
    force: false,
    allowNonfinite: false,
    threads: 1,
    device: 'cpu',
    analyze: false,
    saveAlphas: false,
    progress: silentProgress,
    reproduce: 'merge',
    ...rest,
  }
}
