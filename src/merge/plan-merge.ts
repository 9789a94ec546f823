import {join} from 'node:path'
import type {DType, FloatDType} from '../io/dtype'
import {isFloatDType} from '../io/dtype'
import {numel} from '../io/safetensors/numel'
import type {Checkpoint, CheckpointTensor} from '../io/safetensors/types'
import type {TensorLocation} from '../compute/jobs'
import type {ModelAdapter, ParamClass} from '../models/types'
import type {BridgeKeyCounts} from './analysis/types'

/**
 * What happens to one output tensor (spec §6):
 * - `merge`: in both models with equal shapes and float dtypes;
 * - `keep-target`: in both, but shapes differ or a dtype is not float (integers, bool, F8 pass through);
 * - `target-only` / `source-only`: kept as is.
 */
export type TensorAction = 'merge' | 'keep-target' | 'target-only' | 'source-only'

export interface PlannedTensor {
  name: string
  class: ParamClass
  action: TensorAction
  shape: number[]
  count: number
  /** The tensor's bytes in the target; null for source-only tensors. */
  target: TensorLocation | null
  /** The tensor's bytes in the source; null for target-only tensors. */
  source: TensorLocation | null
  outDtype: DType
}

export interface MergePlan {
  /** Output order: the target's tensors as stored, then source-only tensors. */
  tensors: PlannedTensor[]
  commonKeys: number
  sourceOnly: string[]
  targetOnly: string[]
  shapeMismatches: Array<{name: string; source: number[]; target: number[]}>
  /** Common keys whose dtypes differ; merged when both are float, else the target's tensor is kept. */
  dtypeMismatches: Array<{name: string; source: DType; target: DType}>
  bridgeCounts: BridgeKeyCounts
}

/** `--dtype`: `keep` leaves each tensor's dtype; otherwise float tensors are written in that dtype. */
export type OutputDtype = 'keep' | FloatDType

export function planMerge(source: Checkpoint, target: Checkpoint, adapter: ModelAdapter, dtype: OutputDtype): MergePlan {
  const classOf = (name: string): ParamClass => adapter.classify(name)
  const outDtypeOf = (stored: DType): DType => (dtype !== 'keep' && isFloatDType(stored) ? dtype : stored)
  const tensors: PlannedTensor[] = []
  const shapeMismatches: MergePlan['shapeMismatches'] = []
  const dtypeMismatches: MergePlan['dtypeMismatches'] = []
  const targetOnly: string[] = []
  let commonKeys = 0

  for (const t of storedOrder(target)) {
    const s = source.tensors.get(t.name)
    const base = {name: t.name, class: classOf(t.name), shape: t.shape, count: numel(t.shape), target: locationOf(t), outDtype: outDtypeOf(t.dtype)}
    if (!s) {
      targetOnly.push(t.name)
      tensors.push({...base, action: 'target-only', source: null})
      continue
    }
    commonKeys++
    const sameShape = s.shape.length === t.shape.length && s.shape.every((d, i) => d === t.shape[i])
    if (!sameShape) shapeMismatches.push({name: t.name, source: s.shape, target: t.shape})
    if (s.dtype !== t.dtype) dtypeMismatches.push({name: t.name, source: s.dtype, target: t.dtype})
    const mergeable = sameShape && isFloatDType(s.dtype) && isFloatDType(t.dtype)
    tensors.push({...base, action: mergeable ? 'merge' : 'keep-target', source: locationOf(s)})
  }

  const sourceOnly: string[] = []
  for (const s of storedOrder(source)) {
    if (target.tensors.has(s.name)) continue
    sourceOnly.push(s.name)
    tensors.push({name: s.name, class: classOf(s.name), action: 'source-only', shape: s.shape, count: numel(s.shape), target: null, source: locationOf(s), outDtype: outDtypeOf(s.dtype)})
  }

  return {tensors, commonKeys, sourceOnly, targetOnly, shapeMismatches, dtypeMismatches, bridgeCounts: bridgeCounts(source, target, adapter)}
}

function bridgeCounts(source: Checkpoint, target: Checkpoint, adapter: ModelAdapter): BridgeKeyCounts {
  const bridgeKeys = (checkpoint: Checkpoint): Set<string> =>
    new Set([...checkpoint.tensors.keys()].filter((name) => adapter.classify(name).component === 'bridge'))
  const s = bridgeKeys(source)
  const t = bridgeKeys(target)
  const common = [...s].filter((name) => t.has(name)).length
  return {bridgeKeysSource: s.size, bridgeKeysTarget: t.size, commonBridgeKeys: common, bridgeKeysUnion: s.size + t.size - common}
}

/** Tensors in the order they are stored: shard by shard, by offset. */
function storedOrder(checkpoint: Checkpoint): CheckpointTensor[] {
  const fileRank = new Map(checkpoint.files.map((file, i) => [join(checkpoint.dir, file), i]))
  const rank = (path: string): number => fileRank.get(path) ?? 0
  return [...checkpoint.tensors.values()].sort((a, b) => rank(a.path) - rank(b.path) || a.offset - b.offset)
}

function locationOf(entry: CheckpointTensor): TensorLocation {
  return {path: entry.path, offset: entry.offset, dtype: entry.dtype, ...(entry.virtual ? {virtual: entry.virtual} : {})}
}
