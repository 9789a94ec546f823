import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {writeSafetensors} from '../../src/io/safetensors/write-safetensors'
import {silentProgress} from '../../src/progress'
import type {LoraMergeSettings} from '../../src/merge/run-lora-merge'

export interface Matrix {
  rows: number
  cols: number
  /** Row-major values. */
  values: number[]
}

/** A matrix of small multiples of 1/8: float32 holds every product and sum of them exactly. */
export function eighths(rows: number, cols: number, seed: number): Matrix {
  const values = Array.from({length: rows * cols}, (_, i) => (((i * 7 + seed * 13) % 17) - 8) / 8)
  return {rows, cols, values}
}

/** Arbitrary float32 values (not exact eighths), like trained weights. */
export function weights(rows: number, cols: number, seed: number): Matrix {
  const values = Array.from({length: rows * cols}, (_, i) => Math.fround(Math.sin(i * 1.37 + seed) * 0.3))
  return {rows, cols, values}
}

/** a·b in float64 by the textbook loop. */
export function product(a: Matrix, b: Matrix): Matrix {
  const values = new Array(a.rows * b.cols).fill(0)
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < b.cols; j++) for (let k = 0; k < a.cols; k++) values[i * b.cols + j] += a.values[i * a.cols + k] * b.values[k * b.cols + j]
  return {rows: a.rows, cols: b.cols, values}
}

export function transpose(m: Matrix): Matrix {
  const values = new Array(m.rows * m.cols)
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) values[j * m.rows + i] = m.values[i * m.cols + j]
  return {rows: m.cols, cols: m.rows, values}
}

/** W + s·Δ per element, in float64, rounded once to float32. */
export function expectedF32(w: Matrix, s: number, delta: Matrix): number[] {
  return w.values.map((x, i) => Math.fround(x + s * delta.values[i]))
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer)
}

/** A one-file float32 model. */
export async function writeModel(dir: string, tensors: Record<string, Matrix>, config: Record<string, unknown> = {model_type: 'qwen2_vl'}): Promise<void> {
  mkdirSync(dir, {recursive: true})
  await writeSafetensors(
    join(dir, 'model.safetensors'),
    Object.entries(tensors).map(([name, m]) => ({name, dtype: 'F32' as const, shape: [m.rows, m.cols], data: f32Bytes(m.values)})),
  )
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
}

/** A PEFT adapter folder: the config as given, float32 tensors by key. */
export async function writeAdapter(dir: string, config: Record<string, unknown>, tensors: Record<string, Matrix>): Promise<void> {
  mkdirSync(dir, {recursive: true})
  await writeSafetensors(
    join(dir, 'adapter_model.safetensors'),
    Object.entries(tensors).map(([name, m]) => ({name, dtype: 'F32' as const, shape: [m.rows, m.cols], data: f32Bytes(m.values)})),
  )
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({peft_type: 'LORA', ...config}))
}

export function loraSettings(overrides: Partial<LoraMergeSettings> & Pick<LoraMergeSettings, 'base' | 'adapter' | 'output'>): LoraMergeSettings {
  return {dtype: 'keep', maxShardBytes: 5e9, force: false, allowNonfinite: false, threads: 1, device: 'cpu', progress: silentProgress, reproduce: 'lora merge', ...overrides}
}
