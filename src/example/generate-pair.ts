import {closeSync, ftruncateSync, openSync, writeSync} from 'node:fs'
import {mkdir, rm, writeFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {silentProgress, type ProgressFactory} from '../progress'
import {encodeFloats} from '../compute/float-codecs'
import {createRandom, type Random} from '../compute/random'
import {dtypeSize, type FloatDType} from '../io/dtype'
import {INDEX_FILE} from '../io/safetensors/names'
import {numel} from '../io/safetensors/numel'
import {planShards} from '../io/safetensors/plan-shards'
import {getAdapter} from '../models/registry'
import type {Component} from '../models/types'
import {familyLayout, TINY_DIMS, type Dims, type ExampleFamily, type ExampleTensor} from './families'
import {exampleModelFiles} from './example-model-files'

export interface GeneratePairOptions {
  family: ExampleFamily
  /** Creates `<dir>/target` (the base) and `<dir>/source` (its fine-tune). */
  dir: string
  dims?: Dims
  dtype?: FloatDType
  seed?: number
  maxShardBytes?: number
  progress?: ProgressFactory
}

/**
 * How far the fine-tune moved each component, relative to the weights' own scale: a VQA fine-tune
 * changes the language model and the bridge most and the vision tower least.
 */
const FINE_TUNE_SHIFT: Record<Component, number> = {vision: 0.01, bridge: 0.08, language: 0.05, shared: 0.03}

const CHUNK = 1 << 16

/**
 * Writes a deterministic base/fine-tune pair with the family's real parameter names, configs and
 * tokenizer files. Values are streamed in chunks, so a pair of any size needs little memory.
 */
export async function generatePair(options: GeneratePairOptions): Promise<{source: string; target: string; bytes: number}> {
  const dims = options.dims ?? TINY_DIMS
  const dtype = options.dtype ?? 'BF16'
  const seed = options.seed ?? 0
  const layout = familyLayout(options.family, dims)
  const adapter = getAdapter(options.family)
  const shards = planShards(
    layout.tensors.map((t) => ({name: t.name, dtype, shape: t.shape})),
    {maxShardBytes: options.maxShardBytes ?? 5e9},
  )
  const dirs = {target: resolve(options.dir, 'target'), source: resolve(options.dir, 'source')}
  const files = exampleModelFiles(options.family, layout.config, dtype)
  for (const [role, dir] of Object.entries(dirs)) {
    await rm(dir, {recursive: true, force: true})
    await mkdir(dir, {recursive: true})
    for (const [name, content] of Object.entries(files)) {
      if (name === 'README.md' && role === 'source') continue
      await writeFile(join(dir, name), content)
    }
    if (shards.index) await writeFile(join(dir, INDEX_FILE), JSON.stringify(shards.index, null, 2) + '\n')
  }

  const byName = new Map(layout.tensors.map((t) => [t.name, t]))
  const totalBytes = shards.shards.reduce((sum, s) => sum + s.size, 0) * 2
  const progress = (options.progress ?? silentProgress)(`generate ${options.family}`, totalBytes)
  const values = {target: new Float64Array(CHUNK), source: new Float64Array(CHUNK)}
  const bytes = new Uint8Array(CHUNK * dtypeSize(dtype))
  for (const shard of shards.shards) {
    const fds = {target: openSync(join(dirs.target, shard.fileName), 'w'), source: openSync(join(dirs.source, shard.fileName), 'w')}
    try {
      for (const fd of Object.values(fds)) {
        writeSync(fd, shard.header, 0, shard.header.byteLength, 0)
        ftruncateSync(fd, shard.size)
      }
      for (const entry of shard.tensors) {
        const tensor = byName.get(entry.name)!
        const generator = tensorValues(tensor, seed, FINE_TUNE_SHIFT[adapter.classify(entry.name).component])
        const count = numel(tensor.shape)
        for (let start = 0; start < count; start += CHUNK) {
          const n = Math.min(CHUNK, count - start)
          generator(start, n, values.target, values.source)
          for (const role of ['target', 'source'] as const) {
            encodeFloats(dtype, values[role], n, bytes)
            writeSync(fds[role], bytes, 0, n * dtypeSize(dtype), entry.offset + start * dtypeSize(dtype))
          }
          progress.advance(2 * n * dtypeSize(dtype))
        }
      }
    } finally {
      closeSync(fds.target)
      closeSync(fds.source)
    }
  }
  progress.done()
  return {...dirs, bytes: totalBytes}
}

/**
 * The values of one tensor, chunk by chunk, in both models: target values by kind (matrices with
 * log-normal row and column scales, so spectra decay as in trained weights; norms near 1; small
 * biases), source = target + a shift of relative size `shift`. Each stream is seeded by name.
 */
function tensorValues(tensor: ExampleTensor, seed: number, shift: number) {
  const rows = tensor.shape.length >= 2 ? tensor.shape[0] : 1
  const cols = numel(tensor.shape) / rows
  const scaleRandom = createRandom(seed, `scales:${tensor.name}`)
  const rowScale = Float64Array.from({length: rows}, () => Math.exp(0.4 * normal(scaleRandom)))
  const colScale = Float64Array.from({length: tensor.kind === 'matrix' ? cols : 1}, () => Math.exp(0.2 * normal(scaleRandom)))
  const base = createRandom(seed, `target:${tensor.name}`)
  const delta = createRandom(seed, `delta:${tensor.name}`)
  const sigma = tensor.kind === 'matrix' ? 0.5 / Math.sqrt(cols) : tensor.kind === 'embedding' ? 0.02 : tensor.kind === 'norm' ? 0.05 : 0.01
  const offset = tensor.kind === 'norm' ? 1 : 0
  return (start: number, count: number, target: Float64Array, source: Float64Array): void => {
    let row = Math.floor(start / cols)
    let col = start - row * cols
    for (let k = 0; k < count; k++) {
      const scale = sigma * (tensor.kind === 'matrix' ? rowScale[row] * colScale[col] : tensor.kind === 'embedding' ? rowScale[row] : 1)
      const t = offset + scale * normal(base)
      target[k] = t
      source[k] = t + shift * scale * normal(delta)
      if (++col === cols) {
        col = 0
        row++
      }
    }
  }
}

const QUANTILES = (() => {
  const table = new Float64Array(65536)
  for (let i = 0; i < 65536; i++) table[i] = normalQuantile((i + 0.5) / 65536)
  return table
})()

/** A standard normal draw from a 16-bit quantile table: fast, and plenty for synthetic weights. */
function normal(random: Random): number {
  return QUANTILES[random.uint32() >>> 16]
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const tail = (q: number): number => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)))
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)))
  const q = p - 0.5
  const r = q * q
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
}
