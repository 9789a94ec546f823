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
export const PDA_SAMPLE_SIZE = 50_000
/** Singular values compared by the CMBC spectral term (spec §3). */
export const SPECTRUM_TOP_K = 50

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
 * per-tensor statistics the analysis needs. Spectra of 2-D+ bridge tensors need each matrix whole
 * (the one exception to chunked memory); they are queued first because they take longest.
 */
export async function collectStatistics(plan: MergePlan, pool: WorkerPool, options: CollectStatisticsOptions): Promise<TensorPairStats[]> {
  const pairs = plan.tensors.filter((t) => t.action === 'merge')
  const spectral = pairs.filter((t) => t.class.component === 'bridge' && t.shape.length >= 2)
  const bytesOf = (t: PlannedTensor): number => t.mergeCount * (dtypeSize(t.sources[0].dtype) + dtypeSize(t.target!.dtype))
  const total = pairs.reduce((sum, t) => sum + bytesOf(t), 0) + spectral.reduce((sum, t) => sum + bytesOf(t), 0)
  const progress = options.progress('pass 1/2 statistics', total)

  const spectra = new Map<string, Promise<{source: Float64Array; target: Float64Array}>>()
  for (const t of spectral) {
    const rows = t.shape[0]
    const cols = t.count / rows
    const k = Math.min(rows, cols, SPECTRUM_TOP_K)
    const job = (location: NonNullable<PlannedTensor['target']>) =>
      pool.run({kind: 'spectrum', device: options.device, location, rows, cols, k, seed: options.seed}, (bytes) => progress.advance(bytes))
    const both = Promise.all([job(t.sources[0]), job(t.target!)]).then(([source, target]) => ({source, target}))
    // Awaited below; this keeps a failure elsewhere from leaving it an unhandled rejection.
    both.catch(() => {})
    spectra.set(t.name, both)
  }

  const results = await Promise.all(
    pairs.map(async (t): Promise<TensorPairStats> => {
      const stats: StatisticsResult = await pool.run(
        {
          kind: 'statistics',
          name: t.name,
          count: t.mergeCount,
          source: t.sources[0],
          target: t.target!,
          sampleSize: PDA_SAMPLE_SIZE,
          seed: options.seed,
          withDot: t.class.component === 'bridge',
        },
        (bytes) => progress.advance(bytes),
      )
      if (!options.allowNonfinite && !(stats.finite.source && stats.finite.target)) {
        const location = stats.finite.source ? t.target! : t.sources[0]
        throw new CmaamError(`Tensor "${t.name}" in ${location.path} contains NaN or infinite values`, {
          hint: 'The checkpoint is damaged or was saved after a diverged training step; pass --allow-nonfinite to merge anyway (such tensors are left out of the scores).',
        })
      }
      const group = groupKey(t.name, t.class, options.compat)
      return {
        name: t.name,
        component: t.class.component,
        group: group.key,
        indexed: group.indexed,
        shape: t.shape,
        source: stats.source,
        target: stats.target,
        w1: stats.w1,
        dot: stats.dot,
        spectra: (await spectra.get(t.name)) ?? null,
      }
    }),
  )
  progress.done()
  return results
}
