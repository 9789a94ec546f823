import {closeSync, ftruncateSync, openSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import type {ProgressFactory} from '../cli/progress'
import type {CopyJob, LerpJob, TensorLocation} from '../compute/jobs'
import type {WorkerPool} from '../compute/worker-pool'
import {CmaamError} from '../errors'
import {dtypeSize} from '../io/dtype'
import {planShards} from '../io/safetensors/plan-shards'
import type {ShardLayout} from '../io/safetensors/types'
import type {MergePlan, PlannedTensor} from './plan-merge'

export interface WriteMergedOptions {
  /** Output folder (the staging folder). */
  dir: string
  /** α for each tensor whose action is `merge`. */
  alphas: ReadonlyMap<string, number>
  maxShardBytes: number
  allowNonfinite: boolean
  progress: ProgressFactory
}

/**
 * Pass 2: lays the output out in shards, writes their headers, then has the pool write every
 * tensor at its offset — merged where the plan says so, copied otherwise. Files are fsynced when
 * the pool closes; the caller writes the index.
 */
export async function writeMerged(plan: MergePlan, pool: WorkerPool, options: WriteMergedOptions): Promise<ShardLayout> {
  const layout = planShards(
    plan.tensors.map((t) => ({name: t.name, dtype: t.outDtype, shape: t.shape})),
    {maxShardBytes: options.maxShardBytes},
  )
  const outputs = new Map<string, TensorLocation>()
  for (const shard of layout.shards) {
    const path = join(options.dir, shard.fileName)
    const fd = openSync(path, 'w')
    try {
      writeSync(fd, shard.header)
      ftruncateSync(fd, shard.size)
    } catch (error) {
      throw Object.assign(error as Error, {path})
    } finally {
      closeSync(fd)
    }
    for (const t of shard.tensors) outputs.set(t.name, {path, offset: t.offset, dtype: t.dtype})
  }

  const jobs = plan.tensors.map((t) => ({tensor: t, job: jobFor(t, outputs.get(t.name)!, options.alphas)}))
  const inputBytes = jobs.reduce((sum, {job}) => sum + job.count * (job.kind === 'lerp' ? dtypeSize(job.target.dtype) + dtypeSize(job.source.dtype) : dtypeSize(job.from.dtype)), 0)
  const progress = options.progress('pass 2/2 merge', inputBytes)

  await Promise.all(
    jobs.map(async ({tensor, job}) => {
      const {finite} = await pool.run(job, (bytes) => progress.advance(bytes))
      if (!finite && !options.allowNonfinite) {
        const where = [tensor.target, tensor.source].filter(Boolean).map((l) => l!.path).join(' or ')
        throw new CmaamError(`Tensor "${tensor.name}" in ${where} contains NaN or infinite values`, {
          hint: 'The checkpoint is damaged or was saved after a diverged training step; pass --allow-nonfinite to write it anyway.',
        })
      }
    }),
  )
  progress.done()
  return layout
}

function jobFor(t: PlannedTensor, out: TensorLocation, alphas: ReadonlyMap<string, number>): CopyJob | LerpJob {
  const count = t.count
  if (t.action !== 'merge') return {kind: 'copy' as const, count, from: (t.target ?? t.source)!, out}
  const alpha = alphas.get(t.name)
  if (alpha === undefined) throw new Error(`no alpha for "${t.name}"`)
  // α = 0 and α = 1 are exact copies of one side (spec §7 identities).
  if (alpha === 0) return {kind: 'copy' as const, count, from: t.target!, out}
  if (alpha === 1) return {kind: 'copy' as const, count, from: t.source!, out}
  return {kind: 'lerp' as const, count, target: t.target!, source: t.source!, alpha, out}
}
