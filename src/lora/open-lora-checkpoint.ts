import {join, relative} from 'node:path'
import type {Device} from '../compute/device/device'
import {CmaamError} from '../errors'
import {dtypeSize, isFloatDType, type FloatDType} from '../io/dtype'
import {numel} from '../io/safetensors/numel'
import type {Checkpoint, CheckpointTensor} from '../io/safetensors/types'
import {computeLoraTensor, computeReplacement} from './lora-tensor'
import {createBaseNameMatcher} from './match-base-name'
import {isTargetModule, moduleScale} from './module-scale'
import type {LoraAdapter} from './open-lora-adapter'

export interface LoraCheckpoint {
  /** The fine-tuned model as a checkpoint: the base's tensors, the adapted ones virtual. */
  checkpoint: Checkpoint
  /** Base tensor names that get W + s·B·A, with their rank, alpha and s. */
  updated: Array<{name: string; rank: number; alpha: number; scale: number}>
  /** Base tensor names replaced by the adapter's own copy (`modules_to_save`). */
  replaced: string[]
}

export interface OpenLoraCheckpointOptions {
  adapter: LoraAdapter
  base: Checkpoint
  /** dtype of the tensors the adapter changes; default: each base tensor's own. */
  dtype?: FloatDType
  /** Where the products B·A run. */
  device: Device
}

/**
 * The base with the adapter applied, as a checkpoint that a merge plan reads like any other: same
 * folder order, names, shapes and offsets, and the tensors the adapter changes computed on the fly
 * (never written to disk). Checks every adapter tensor against the base first.
 */
export function openLoraCheckpoint(options: OpenLoraCheckpointOptions): LoraCheckpoint {
  const {adapter, base} = options
  const file = adapter.weights.path
  const entries = new Map(adapter.weights.tensors.map((t) => [t.name, {...t, path: file}]))
  const fail = (what: string, hint = 'Apply the adapter to the model it was trained on (base_model_name_or_path in adapter_config.json).'): never => {
    throw new CmaamError(`Cannot apply ${file} to ${base.dir}: ${what}`, {hint})
  }
  const baseNameOf = createBaseNameMatcher(base.tensors.keys())
  const tensors = new Map<string, CheckpointTensor>(base.tensors)
  const updated: LoraCheckpoint['updated'] = []
  const replaced: string[] = []
  const outDtypeOf = (stored: CheckpointTensor): FloatDType => {
    if (!isFloatDType(stored.dtype)) fail(`${stored.name} is ${stored.dtype}, not a float tensor`)
    return options.dtype ?? (stored.dtype as FloatDType)
  }
  const claim = (name: string, from: string): void => {
    if (tensors.get(name)?.virtual) fail(`${from} and another adapter tensor both change ${name}`)
  }

  for (const m of adapter.keys.modules) {
    if (!isTargetModule(adapter.config, m.module)) fail(`${m.a} is for module ${m.module}, which target_modules ${JSON.stringify(adapter.config.targetModules)} does not name`, 'The adapter_config.json does not belong to these weights.')
    const name = baseNameOf(`${m.module}.weight`)
    if (name === null) return fail(`the base has no weight for module ${m.module}`)
    claim(name, m.a)
    const weight = base.tensors.get(name)!
    const a = entries.get(m.a)!
    const b = entries.get(m.b)!
    const {rank, alpha, scale} = moduleScale(adapter.config, m.module)
    const transposed = m.embedding || adapter.config.fanInFanOut
    const [rows, cols] = weight.shape
    const [inDim, outDim] = transposed ? [rows, cols] : [cols, rows]
    const shapeOk = weight.shape.length === 2 && a.shape.length === 2 && b.shape.length === 2 && a.shape[0] === rank && a.shape[1] === inDim && b.shape[0] === outDim && b.shape[1] === rank
    if (!shapeOk) {
      fail(
        `module ${m.module}: ${name} [${weight.shape}], ${m.a} [${a.shape}], ${m.b} [${b.shape}] do not fit rank ${rank}${transposed ? ' (transposed: fan_in_fan_out or embedding)' : ''}`,
        'Check r, rank_pattern and fan_in_fan_out in adapter_config.json, and that the base is the model the adapter was trained on.',
      )
    }
    for (const factor of [a, b]) if (!isFloatDType(factor.dtype)) fail(`${factor.name} is ${factor.dtype}, not a float tensor`)
    const outDtype = outDtypeOf(weight)
    const spec = {base: weight, a, b, scale, transposed, outDtype, device: options.device}
    tensors.set(name, {...weight, dtype: outDtype, byteLength: numel(weight.shape) * dtypeSize(outDtype), virtual: {materialize: (allocate) => computeLoraTensor(spec, allocate)}})
    updated.push({name, rank, alpha, scale})
  }

  for (const [path, key] of adapter.keys.replacements) {
    const name = baseNameOf(path)
    if (name === null) return fail(`the base has no tensor ${path} (from modules_to_save)`)
    claim(name, key)
    const stored = base.tensors.get(name)!
    const entry = entries.get(key)!
    const sameShape = entry.shape.length === stored.shape.length && entry.shape.every((d, i) => d === stored.shape[i])
    if (!sameShape) fail(`${key} [${entry.shape}] does not have the shape of ${name} [${stored.shape}]`)
    if (!isFloatDType(entry.dtype)) fail(`${key} is ${entry.dtype}, not a float tensor`)
    const outDtype = outDtypeOf(stored)
    tensors.set(name, {...stored, dtype: outDtype, byteLength: numel(stored.shape) * dtypeSize(outDtype), virtual: {materialize: (allocate) => computeReplacement(entry, outDtype, allocate)}})
    replaced.push(name)
  }

  // The adapter folder is the model's folder; its shards stay the base's, named relative to it.
  const files = base.files.map((f) => relative(adapter.dir, join(base.dir, f)))
  return {checkpoint: {...base, dir: adapter.dir, files, tensors}, updated, replaced}
}
