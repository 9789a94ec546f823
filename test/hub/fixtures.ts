import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {writeSafetensors, type TensorData} from '../../src/io/safetensors/write-safetensors'

/** The bytes of a safetensors file holding `tensors`, written by the project's own writer. */
export async function safetensorsBytes(tensors: TensorData[], metadata: Record<string, string> | null = {format: 'pt'}): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'cmaam-fixture-'))
  try {
    await writeSafetensors(join(dir, 'model.safetensors'), tensors, metadata)
    return await readFile(join(dir, 'model.safetensors'))
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

/** An F32 tensor of `shape` whose elements count up from `start`: distinct bytes in every file. */
export function f32Tensor(name: string, shape: number[], start = 0): TensorData {
  const count = shape.reduce((a, b) => a * b, 1)
  const values = Float32Array.from({length: count}, (_, i) => start + i)
  return {name, dtype: 'F32', shape, data: new Uint8Array(values.buffer)}
}

/** A temporary folder, removed by the returned function. */
export async function tempDir(prefix = 'cmaam-hub-'): Promise<{dir: string; remove: () => Promise<void>}> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return {dir, remove: () => rm(dir, {recursive: true, force: true})}
}
