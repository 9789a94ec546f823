import {join} from 'node:path'
import type {ModelInput} from '../hub/resolve-model-input'
import {mergeConfigYaml} from '../merge/config/merge-config-yaml'
import {describeMethods} from '../merge/methods/resolve-methods'
import {runLoraMerge} from '../merge/run-lora-merge'
import {runMerge, type MergeSettings} from '../merge/run-merge'
import {fingerprint, stepKey} from './fingerprint'
import {exists, type Step} from './step'
import type {ExperimentOptions} from './types'

/** The experiment's inputs, resolved: the base, the fine-tune as given, and its LoRA adapter folder if it is one. */
export interface ExperimentInputs {
  base: ModelInput
  finetuned: ModelInput
  adapter: string | null
}

/** One merge of the experiment: the main one, then the linear baselines. */
export interface MergePlan {
  name: string
  description: string
  settings: Pick<MergeSettings, 'method' | 'params'>
}

const weightsPrint = (dir: string) => fingerprint(dir, {exclude: ['onnx']})

/** Materialises a LoRA fine-tune as a folder (the adapter merged into the base) so it can be evaluated and merged. */
export function loraStep(options: ExperimentOptions, inputs: ExperimentInputs, adapter: string, output: string): Step {
  const {base, finetuned} = inputs
  return {
    id: 'lora finetuned',
    key: async () => stepKey({kind: 'lora', dtype: 'keep', base: await weightsPrint(base.dir), adapter: await fingerprint(adapter)}),
    present: () => exists(join(output, 'cmaam_lora_info.json')),
    run: async () => {
      const record = await runLoraMerge({
        base: base.dir,
        adapter,
        output,
        labels: {base: base.label, adapter: finetuned.label, hubBase: base.repo !== undefined},
        dtype: 'keep',
        maxShardBytes: options.merge.maxShardBytes,
        force: true,
        allowNonfinite: options.merge.allowNonfinite,
        threads: options.merge.threads,
        device: options.merge.device,
        progress: options.progress,
        reproduce: `lora merge --base ${base.replay} --adapter ${finetuned.replay} --output finetuned`,
      })
      return {seconds: record.timing.seconds}
    },
  }
}

/** The main merge (named after its method) and a linear merge per `--linear-alphas` value. */
export function mergePlans(options: ExperimentOptions): MergePlan[] {
  const mainMethod = describeMethods(options.merge.method)
  return [
    {
      name: /^[a-z_-]+$/.test(mainMethod) ? mainMethod : 'merge',
      description: mainMethod === 'cmaam' ? `CMAAM (${options.merge.alpha.strategy ?? 'full'} strategy, α₀ = ${options.merge.alpha.baseAlpha ?? 0.5})` : `Merge with --method ${mainMethod}`,
      settings: {method: options.merge.method, params: options.merge.params},
    },
    ...options.linearAlphas.map((alpha) => ({
      name: `linear-${alpha}`,
      description: `Linear interpolation, α = ${alpha}`,
      settings: {method: {default: 'linear' as const, components: {}}, params: {alpha: {default: alpha, components: {}}}},
    })),
  ]
}

/** Merges the fine-tune (`finetunedDir`: the given folder, or the materialised LoRA fine-tune) into the base, into `output`. */
export function mergeStep(options: ExperimentOptions, inputs: ExperimentInputs, merge: MergePlan, finetunedDir: string, output: string): Step {
  const {base, finetuned, adapter} = inputs
  const settings = {...options.merge, ...merge.settings}
  const sourceLabel = adapter ? 'finetuned' : finetuned.replay
  return {
    id: `merge ${merge.name}`,
    // The device changes nothing in a merge's result: a merge made on cpu is not redone on cuda.
    key: async () => stepKey({kind: 'merge', settings: {...settings, progress: undefined, device: undefined}, source: await weightsPrint(finetunedDir), target: await weightsPrint(base.dir)}),
    present: () => exists(join(output, 'cmaam_merge_info.json')),
    async run() {
      const full: MergeSettings = {
        ...settings,
        sources: [finetunedDir],
        target: base.dir,
        output,
        labels: {sources: [adapter ? 'finetuned' : finetuned.label], target: base.label, hubIds: base.repo !== undefined},
        force: true,
        analyze: true,
        saveAlphas: true,
        progress: options.progress,
        reproduce: `merge --source ${sourceLabel} --target ${base.replay} --output ${merge.name}`,
      }
      const record = await runMerge({...full, config: mergeConfigYaml({sources: [adapter ? finetunedDir : finetuned.replay], target: base.replay, settings: full})})
      return {alphas: record.alphas, seconds: record.timing.seconds}
    },
  }
}
