import {join} from 'node:path'
import type {DType, FloatDType} from '../io/dtype'
import {isFloatDType} from '../io/dtype'
import {numel} from '../io/safetensors/numel'
import type {Checkpoint, CheckpointTensor} from '../io/safetensors/types'
import type {TensorLocation} from '../compute/jobs'
import type {ModelTypeAdapter, ParamClass} from '../models/types'
import type {BridgeKeyCounts} from './analysis/types'

/**
 * What happens to one output tensor (spec §6):
 * - `merge`: in the target and every source with equal shapes and float dtypes;
 * - `keep-target`: in the target and a source, but shapes differ, a dtype is not float (integers,
 *   bool, F8 pass through) or another source lacks it;
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
  /** The tensor's bytes in each source that has it (all of them for `merge`); empty for target-only tensors. */
  sources: TensorLocation[]
  /** Elements merged: `count`, or the common rows of a resized vocabulary (the rest is the target's). */
  mergeCount: number
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
  /** Target tensors that some sources have and others lack: the target's is kept. */
  missingInSources: string[]
  /** Embeddings and LM heads merged over their common rows (a text-model source with another vocabulary size). */
  vocabularyRows: Array<{name: string; target_rows: number; source_rows: number[]; merged_rows: number}>
  bridgeCounts: BridgeKeyCounts
}

export interface PlanOptions {
  /** `--dtype`. */
  dtype: OutputDtype
  /**
   * Merge shared-component matrices whose row counts alone differ (a vocabulary resized by a text
   * model's tokenizer) over their common rows, keeping the target's other rows.
   */
  vocabularyRows: boolean
}

/** `--dtype`: `keep` leaves each tensor's dtype; otherwise float tensors are written in that dtype. */
export type OutputDtype = 'keep' | FloatDType

export function planMerge(sources: Checkpoint[], target: Checkpoint, adapter: ModelTypeAdapter, options: PlanOptions): MergePlan {
  const classOf = (name: string): ParamClass => adapter.classify(name)
  const outDtypeOf = (stored: DType): DType => (options.dtype !== 'keep' && isFloatDType(stored) ? options.dtype : stored)
  const tensors: PlannedTensor[] = []
  const shapeMismatches: MergePlan['shapeMismatches'] = []
  const dtypeMismatches: MergePlan['dtypeMismatches'] = []
  const missingInSources: string[] = []
  const vocabularyRows: MergePlan['vocabularyRows'] = []
  const targetOnly: string[] = []
  let commonKeys = 0

  for (const t of storedOrder(target)) {
    const found = sources.map((source) => source.tensors.get(t.name))
    const count = numel(t.shape)
    const base = {name: t.name, class: classOf(t.name), shape: t.shape, count, mergeCount: count, target: locationOf(t), outDtype: outDtypeOf(t.dtype)}
    const present = found.filter((s): s is NonNullable<typeof s> => s !== undefined)
    if (present.length === 0) {
      targetOnly.push(t.name)
      tensors.push({...base, action: 'target-only', sources: []})
      continue
    }
    commonKeys++
    if (present.length < sources.length) {
      missingInSources.push(t.name)
      tensors.push({...base, action: 'keep-target', sources: present.map(locationOf)})
      continue
    }
    let mergeCount = count
    const shapesAgree = present.every((s) => sameShape(s.shape, t.shape))
    const rowsAgree = options.vocabularyRows && base.class.component === 'shared' && t.shape.length >= 2 && present.every((s) => sameShape(s.shape.slice(1), t.shape.slice(1)))
    for (const s of present) {
      if (!sameShape(s.shape, t.shape) && !rowsAgree) shapeMismatches.push({name: t.name, source: s.shape, target: t.shape})
      if (s.dtype !== t.dtype) dtypeMismatches.push({name: t.name, source: s.dtype, target: t.dtype})
    }
    if (!shapesAgree && rowsAgree) {
      const rows = Math.min(t.shape[0], ...present.map((s) => s.shape[0]))
      mergeCount = (count / t.shape[0]) * rows
      vocabularyRows.push({name: t.name, target_rows: t.shape[0], source_rows: present.map((s) => s.shape[0]), merged_rows: rows})
    }
    const mergeable = (shapesAgree || rowsAgree) && isFloatDType(t.dtype) && present.every((s) => isFloatDType(s.dtype))
    tensors.push({...base, mergeCount, action: mergeable ? 'merge' : 'keep-target', sources: present.map(locationOf)})
  }

  const sourceOnly = new Set<string>()
  for (const source of sources) {
    for (const s of storedOrder(source)) {
      if (target.tensors.has(s.name) || sourceOnly.has(s.name)) continue
      sourceOnly.add(s.name)
      const count = numel(s.shape)
      tensors.push({name: s.name, class: classOf(s.name), action: 'source-only', shape: s.shape, count, mergeCount: count, target: null, sources: [locationOf(s)], outDtype: outDtypeOf(s.dtype)})
    }
  }

  return {tensors, commonKeys, sourceOnly: [...sourceOnly], targetOnly, shapeMismatches, dtypeMismatches, missingInSources, vocabularyRows, bridgeCounts: bridgeCounts(sources[0], target, adapter)}
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}

function bridgeCounts(source: Checkpoint, target: Checkpoint, adapter: ModelTypeAdapter): BridgeKeyCounts {
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
