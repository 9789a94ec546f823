import type {ProgressFactory} from '../progress'
import type {Device} from '../compute/device/device'
import type {StatisticsResult} from '../compute/jobs'
import type {WorkerPool} from '../compute/worker-pool'
import {CmaamError} from '../errors'
import {dtypeSize} from '../io/dtype'
import {groupKey, type GroupingCompat} from './analysis/layer-groups'
import type {TensorPairStats} from './analysis/types'
import type {MergePlan, PlannedTensor} from './plan-merge'

/** Values per model that PDA compares (spec §3). */
const PDA_SAMPLE_SIZE = 50_000
/** Singular values compared by the CMBC spectral term (spec §3). */
const SPECTRUM_TOP_K = 50

export interface CollectStatisticsOptions {
  compat: GroupingCompat
  seed: number
  /** Keep going past NaN/Inf weights (they are left out of the scores) instead of failing. */
  allowNonfinite: boolean
  /** Where the spectra's products run. */
  device: Device
  progress: ProgressFactory
}

/**
 * Pass 1: streams every mergeable pair (the target and the first source) once and returns the
 * per-tensor statistics the analysis needs. Spectra of 2-D+ bridge tensors come from the same read
 * but need each matrix whole (the one exception to chunked memory); those tensors are queued first
 * because they take longest.
 */
export async function collectStatistics(plan: MergePlan, pool: WorkerPool, options: CollectStatisticsOptions): Promise<TensorPairStats[]> {
  const pairs = plan.tensors.filter((t) => t.action === 'merge')
  const isSpectral = (t: PlannedTensor): boolean => t.class.component === 'bridge' && t.shape.length >= 2
  const total = pairs.reduce((sum, t) => sum + t.mergeCount * (dtypeSize(t.sources[0].dtype) + dtypeSize(t.target!.dtype)), 0)
  const progress = options.progress('pass 1/2 statistics', total)

  const run = (t: PlannedTensor): Promise<StatisticsResult> => {
    const rows = t.shape[0]
    const cols = t.count / rows
    return pool.run(
      {
        kind: 'statistics',
        name: t.name,
        count: t.mergeCount,
        source: t.sources[0],
        target: t.target!,
        sampleSize: PDA_SAMPLE_SIZE,
        seed: options.seed,
        withDot: t.class.component === 'bridge',
        ...(isSpectral(t) ? {spectrum: {rows, cols, k: Math.min(rows, cols, SPECTRUM_TOP_K), device: options.device}} : {}),
      },
      (bytes) => progress.advance(bytes),
    )
  }
  const queued = new Map([...pairs.filter(isSpectral), ...pairs.filter((t) => !isSpectral(t))].map((t) => [t.name, run(t)]))
  // Awaited below, in plan order; this keeps a failure elsewhere from leaving one an unhandled rejection.
  for (const result of queued.values()) result.catch(() => {})

  const results: TensorPairStats[] = []
  for (const t of pairs) {
    const stats = await queued.get(t.name)!
    if (!options.allowNonfinite && !(stats.finite.source && stats.finite.target)) {
      const location = stats.finite.source ? t.target! : t.sources[0]
      throw new CmaamError(`Tensor "${t.name}" in ${location.path} contains NaN or infinite values`, {
        hint: 'The checkpoint is damaged or was saved after a diverged training step; pass --allow-nonfinite to merge anyway (such tensors are left out of the scores).',
      })
    }
    const group = groupKey(t.name, t.class, options.compat)
    results.push({
      name: t.name,
      component: t.class.component,
      group: group.key,
      indexed: group.indexed,
      shape: t.shape,
      source: stats.source,
      target: stats.target,
      w1: stats.w1,
      dot: stats.dot,
      spectra: stats.spectra,
    })
  }
  progress.done()
  return results
}
