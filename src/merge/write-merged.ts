import {closeSync, ftruncateSync, openSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import type {ProgressFactory} from '../progress'
import type {Job, MergeJobResult, TensorLocation} from '../compute/jobs'
import type {WorkerPool} from '../compute/worker-pool'
import {CmaamError} from '../errors'
import {dtypeSize} from '../io/dtype'
import {planShards} from '../io/safetensors/plan-shards'
import type {ShardLayout} from '../io/safetensors/types'
import type {MethodInputs} from './methods/types'
import type {MergePlan, PlannedTensor} from './plan-merge'

export interface WriteMergedOptions {
  /** Output folder (the staging folder). */
  dir: string
  /** The job that writes a tensor whose action is `merge` (its merged elements): the method's. */
  mergeJob: (tensor: PlannedTensor, inputs: MethodInputs) => Job
  maxShardBytes: number
  allowNonfinite: boolean
  progress: ProgressFactory
}

export interface WrittenModel {
  layout: ShardLayout
  /** The interpolation weight a job chose itself (Model Stock's ratio, SLERP's t), by tensor. */
  weights: Map<string, number>
}

/**
 * Pass 2: lays the output out in shards, writes their headers, then has the pool write every
 * tensor at its offset — merged where the plan says so, copied otherwise. Files are fsynced when
 * the pool closes; the caller writes the index.
 */
export async function writeMerged(plan: MergePlan, pool: WorkerPool, options: WriteMergedOptions): Promise<WrittenModel> {
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

  const jobs = plan.tensors.flatMap((t) => jobsFor(t, outputs.get(t.name)!, options.mergeJob).map((job) => ({tensor: t, job})))
  const inputBytes = jobs.reduce((sum, {job}) => sum + jobInputBytes(job), 0)
  const progress = options.progress('pass 2/2 merge', inputBytes)
  const weights = new Map<string, number>()

  await Promise.all(
    jobs.map(async ({tensor, job}) => {
      const result = (await pool.run(job, (bytes) => progress.advance(bytes))) as MergeJobResult
      if (result.weight !== undefined) weights.set(tensor.name, result.weight)
      if (!result.finite && !options.allowNonfinite) {
        const where = [tensor.target, ...tensor.sources].filter(Boolean).map((l) => l!.path).join(' or ')
        throw new CmaamError(`Tensor "${tensor.name}" in ${where} contains NaN or infinite values`, {
          hint: 'The checkpoint is damaged or was saved after a diverged training step; pass --allow-nonfinite to write it anyway.',
        })
      }
    }),
  )
  progress.done()
  return {layout, weights}
}

/** A merged tensor's method job, then, for a resized vocabulary, a copy of the target's other rows. */
function jobsFor(t: PlannedTensor, out: TensorLocation, mergeJob: WriteMergedOptions['mergeJob']): Job[] {
  if (t.action !== 'merge') return [{kind: 'copy', count: t.count, from: (t.target ?? t.sources[0])!, out}]
  const merged = mergeJob(t, {name: t.name, count: t.mergeCount, target: t.target!, sources: t.sources, out})
  if (t.mergeCount === t.count) return [merged]
  const rest = (location: TensorLocation): TensorLocation => ({...location, offset: location.offset + t.mergeCount * dtypeSize(location.dtype)})
  return [merged, {kind: 'copy', count: t.count - t.mergeCount, from: rest(t.target!), out: rest(out)}]
}

function jobInputBytes(job: Job): number {
  switch (job.kind) {
    case 'copy':
      return job.count * dtypeSize(job.from.dtype)
    case 'lerp':
    case 'slerp':
      return job.count * (dtypeSize(job.target.dtype) + dtypeSize(job.source.dtype))
    case 'task-vector':
    case 'model-stock':
      return job.count * (dtypeSize(job.target.dtype) + job.sources.reduce((sum, s) => sum + dtypeSize(s.dtype), 0))
    default:
      throw new Error(`not a pass-2 job: ${job.kind}`)
  }
}
