import {readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {createWorkerPool} from '../compute/worker-pool'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import {copyModelFiles} from '../io/output/copy-model-files'
import {createStaging} from '../io/output/create-staging'
import {writeFileSynced} from '../io/output/write-file-synced'
import {readModelConfig} from '../io/read-model-config'
import {INDEX_FILE} from '../io/safetensors/names'
import {openLoraAdapter} from '../lora/open-lora-adapter'
import {openLoraCheckpoint} from '../lora/open-lora-checkpoint'
import {getAdapter} from '../models/registry'
import {buildLoraModelCard} from '../report/lora-model-card'
import type {LoraMergeRecord} from '../report/lora-merge-record'
import {torchDtypeName} from '../report/torch-dtype-name'
import {writeJsonFile} from '../report/write-json-file'
import {CMAAM_VERSION} from '../version'
import {planMerge} from './plan-merge'
import {writeMerged} from './write-merged'
import type {WriteSettings} from './write-settings'

export interface LoraMergeSettings extends WriteSettings {
  /** Local folders of the base model and the PEFT adapter. */
  base: string
  adapter: string
  /** How reports name the inputs (as given, or Hub repo ids); defaults to the folders. */
  labels?: {base: string; adapter: string; hubBase: boolean; revisions?: {base?: string; adapter?: string}}
}

/**
 * Writes the base with a LoRA adapter merged in: the adapter read as a virtual checkpoint over the
 * base, streamed through the merge's writer (every tensor copied, the adapted ones computed on the
 * fly) into a staging folder, with the base's config and tokenizer files, `cmaam_lora_info.json` and
 * a model card.
 */
export async function runLoraMerge(settings: LoraMergeSettings): Promise<LoraMergeRecord> {
  const started = Date.now()
  const base = await openCheckpoint(settings.base)
  const adapter = await openLoraAdapter(settings.adapter)
  const lora = openLoraCheckpoint({adapter, base, dtype: settings.dtype === 'keep' ? undefined : settings.dtype, device: settings.device})
  const none = {dir: base.dir, files: [], tensors: new Map(), indexMetadata: null}
  // Every tensor is "source-only": copied from the fine-tune, converted when --dtype asks.
  const plan = planMerge([lora.checkpoint], none, getAdapter('generic'), {dtype: settings.dtype, vocabularyRows: false})
  const staging = await createStaging(settings.output, {force: settings.force, inputs: [base.dir, adapter.dir]})
  const pool = createWorkerPool({threads: settings.threads})
  try {
    const {layout} = await writeMerged(plan, pool, {
      dir: staging.dir,
      mergeJob: () => {
        throw new Error('a LoRA merge plans copies only')
      },
      maxShardBytes: settings.maxShardBytes,
      allowNonfinite: settings.allowNonfinite,
      progress: settings.progress,
    })
    await pool.close()
    if (layout.index) await writeJsonFile(join(staging.dir, INDEX_FILE), layout.index)
    const copied = await copyModelFiles(base.dir, staging.dir, {dtype: settings.dtype === 'keep' ? undefined : torchDtypeName(settings.dtype)})
    const labels = settings.labels ?? {base: settings.base, adapter: settings.adapter, hubBase: false}
    const c = adapter.config
    const record: LoraMergeRecord = {
      timestamp: new Date().toISOString(),
      cmaam_version: CMAAM_VERSION,
      base: labels.base,
      adapter: labels.adapter,
      output: resolve(settings.output),
      ...(labels.revisions ? {revisions: labels.revisions} : {}),
      device: settings.device,
      lora: {
        r: c.r,
        lora_alpha: c.loraAlpha,
        use_rslora: c.useRslora,
        target_modules: c.targetModules,
        rank_pattern: c.rankPattern,
        alpha_pattern: c.alphaPattern,
        fan_in_fan_out: c.fanInFanOut,
        modules_to_save: c.modulesToSave,
      },
      dtype: settings.dtype === 'keep' ? 'keep' : settings.dtype.toLowerCase(),
      tensors: {updated: lora.updated.length, replaced: lora.replaced.length, unchanged: base.tensors.size - lora.updated.length - lora.replaced.length},
      updated: lora.updated,
      replaced: lora.replaced,
      files: {
        weights: layout.shards.map((s) => s.fileName),
        total_size: layout.shards.reduce((sum, s) => sum + s.tensors.reduce((n, t) => n + t.byteLength, 0), 0),
        copied,
      },
      timing: {seconds: (Date.now() - started) / 1000},
    }
    await writeJsonFile(join(staging.dir, 'cmaam_lora_info.json'), record)
    const config = await readModelConfig(base.dir)
    const baseCard = await readFile(join(base.dir, 'README.md'), 'utf8').catch(() => null)
    await writeFileSynced(
      join(staging.dir, 'README.md'),
      buildLoraModelCard(record, {modelType: typeof config?.model_type === 'string' ? config.model_type : null, baseCard, reproduce: settings.reproduce, hubBase: labels.hubBase}),
    )
    await staging.commit()
    return record
  } finally {
    await pool.close()
    await staging.discard()
  }
}
