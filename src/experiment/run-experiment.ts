import {copyFile, mkdir, readdir, readlink, rm, stat, symlink} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {EVAL_DTYPES, VLM_SESSIONS} from '../eval/eval-model'
import {runEval} from '../eval/run-eval'
import type {EvalMetrics} from '../eval/types'
import {mergeConfigYaml} from '../merge/config/merge-config-yaml'
import {resolveModelInput} from '../hub/resolve-model-input'
import {resolveOnnxTemplate} from '../onnx/resolve-onnx-template'
import {MODEL_FILES} from '../io/output/copy-model-files'
import {isAdapterFolder} from '../lora/open-lora-adapter'
import type {AlphaBreakdown} from '../merge/alpha-breakdown'
import {runLoraMerge} from '../merge/run-lora-merge'
import {describeMethods} from '../merge/methods/resolve-methods'
import {runMerge, type MergeSettings} from '../merge/run-merge'
import {applyOnnx} from '../onnx/apply-onnx'
import {CMAAM_VERSION} from '../version'
import {readExperimentState, writeExperimentState} from './experiment-state'
import {fingerprint, stepKey} from './fingerprint'
import type {ExperimentModel, ExperimentOptions, ExperimentReport} from './types'
import {writeExperimentReport} from './write-experiment-report'

/** A unit of work that is skipped when its key (settings + input fingerprints) is unchanged. */
interface Step {
  id: string
  key(): Promise<string>
  /** Whether what the step wrote is still there. */
  present(): Promise<boolean>
  /** `resume`: the step was interrupted with the same key (an eval continues its predictions). */
  run(resume: boolean): Promise<unknown>
}

/**
 * The seed's experiment in one resumable run: the fine-tune (a LoRA adapter is merged into the
 * base first), the main merge and the linear baselines, an ONNX export of every model through the
 * template, an evaluation of each on every test set, and the report with its charts. Every step is
 * recorded in `experiment.json` with the hash of its settings and inputs, so a second run does no
 * work and a changed setting redoes only the steps that depend on it.
 */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentReport> {
  if (options.linearAlphas.some((alpha) => !(alpha >= 0 && alpha <= 1))) {
    throw new CmaamError(`--linear-alphas must be numbers in [0, 1], got ${options.linearAlphas.join(',')}`)
  }
  const output = resolve(options.output)
  const models = join(output, 'models')
  await mkdir(models, {recursive: true})
  const tests = await testSets(options)
  const base = await resolveModelInput({ref: options.base, settings: options.settings, progress: options.progress})
  const finetunedInput = await resolveModelInput({ref: options.finetuned, settings: options.settings, progress: options.progress})
  const adapter = (await isAdapterFolder(finetunedInput.dir)) ? finetunedInput.dir : null
  const template = await experimentTemplate(options, base)
  const weightsPrint = (dir: string) => fingerprint(dir, {exclude: ['onnx']})

  const steps: Step[] = []
  const evaluated: ExperimentModel[] = []
  /** Adds the ONNX step for a model (unless `dir` already has the export) and records where it is evaluated. */
  const addModel = async (model: {name: string; description: string; weights: string; owned: boolean}) => {
    const evalDir = join(models, model.name)
    if (!model.owned && (await hasOnnxVariant(model.weights, options.dtype))) {
      steps.push(linkStep(`link ${model.name}`, evalDir, model.weights))
    } else {
      steps.push({
        id: `onnx ${model.name}`,
        key: async () => stepKey({kind: 'onnx', dtype: options.dtype, weights: await weightsPrint(model.weights), template: await fingerprint(template.dir)}),
        present: () => exists(join(evalDir, 'onnx')),
        async run() {
          if (!model.owned) await linkOrReplace(evalDir, null)
          const report = await applyOnnx({
            weights: model.weights,
            template: template.dir,
            templateLabel: template.label,
            output: join(evalDir, 'onnx'),
            dtypes: [options.dtype],
            allowUnmapped: false,
            force: true,
            modelType: options.merge.modelType,
            progress: options.progress,
          })
          // transformers.js needs the config, tokenizer and processor files beside onnx/.
          // The template's are made for it (e.g. processor_class in preprocessor_config.json).
          await copyMissingModelFiles([template.dir, model.weights], evalDir)
          return {files: report.files.length}
        },
      })
    }
    evaluated.push({name: model.name, description: model.description, dir: evalDir})
  }

  await addModel({name: 'base', description: 'Base model (the merge target)', weights: base.dir, owned: false})

  let finetunedDir = finetunedInput.dir
  if (adapter) {
    finetunedDir = join(models, 'finetuned')
    steps.push({
      id: 'lora finetuned',
      key: async () => stepKey({kind: 'lora', dtype: 'keep', base: await weightsPrint(base.dir), adapter: await fingerprint(adapter)}),
      present: () => exists(join(finetunedDir, 'cmaam_lora_info.json')),
      run: async () => {
        const record = await runLoraMerge({
          base: base.dir,
          adapter,
          output: finetunedDir,
          labels: {base: base.label, adapter: finetunedInput.label, hubBase: base.repo !== undefined},
          dtype: 'keep',
          maxShardBytes: options.merge.maxShardBytes,
          force: true,
          allowNonfinite: options.merge.allowNonfinite,
          threads: options.merge.threads,
          device: options.merge.device,
          progress: options.progress,
          reproduce: `lora merge --base ${base.replay} --adapter ${finetunedInput.replay} --output finetuned`,
        })
        return {seconds: record.timing.seconds}
      },
    })
  }
  await addModel({name: 'finetuned', description: adapter ? 'Fine-tune (its LoRA adapter merged into the base)' : 'Fine-tuned model (the merge source)', weights: finetunedDir, owned: adapter !== null})

  const mainMethod = describeMethods(options.merge.method)
  const isCmaam = mainMethod === 'cmaam'
  const merges: Array<{name: string; description: string; settings: Pick<MergeSettings, 'method' | 'params'>}> = [
    {
      name: mainName(mainMethod),
      description: isCmaam ? `CMAAM (${options.merge.alpha.strategy ?? 'full'} strategy, α₀ = ${options.merge.alpha.baseAlpha ?? 0.5})` : `Merge with --method ${mainMethod}`,
      settings: {method: options.merge.method, params: options.merge.params},
    },
    ...options.linearAlphas.map((alpha) => ({
      name: `linear-${alpha}`,
      description: `Linear interpolation, α = ${alpha}`,
      settings: {method: {default: 'linear' as const, components: {}}, params: {alpha: {default: alpha, components: {}}}},
    })),
  ]
  for (const merge of merges) {
    const dir = join(models, merge.name)
    const settings = {...options.merge, ...merge.settings}
    steps.push({
      id: `merge ${merge.name}`,
      // The device changes nothing in a merge's result: a merge made on cpu is not redone on cuda.
      key: async () => stepKey({kind: 'merge', settings: {...settings, progress: undefined, device: undefined}, source: await weightsPrint(finetunedDir), target: await weightsPrint(base.dir)}),
      present: () => exists(join(dir, 'cmaam_merge_info.json')),
      async run() {
        const source = adapter ? finetunedDir : finetunedInput.dir
        const full: MergeSettings = {
          ...settings,
          sources: [source],
          target: base.dir,
          output: dir,
          labels: {sources: [adapter ? 'finetuned' : finetunedInput.label], target: base.label, hubIds: base.repo !== undefined},
          force: true,
          analyze: true,
          saveAlphas: true,
          progress: options.progress,
          reproduce: `merge --source ${adapter ? 'finetuned' : finetunedInput.replay} --target ${base.replay} --output ${merge.name}`,
        }
        const record = await runMerge({...full, config: mergeConfigYaml({sources: [adapter ? finetunedDir : finetunedInput.replay], target: base.replay, settings: full})})
        return {alphas: record.alphas, seconds: record.timing.seconds}
      },
    })
    await addModel({name: merge.name, description: merge.description, weights: dir, owned: true})
  }

  for (const test of tests) {
    for (const model of evaluated) {
      const evalOutput = join(output, 'eval', test.name)
      steps.push({
        id: `eval ${test.name} ${model.name}`,
        key: async () =>
          stepKey({kind: 'eval', data: await fingerprint(test.file), model: await fingerprint(model.dir), dtype: options.dtype, maxSamples: options.maxSamples ?? null, maxNewTokens: options.maxNewTokens}),
        present: () => exists(join(evalOutput, `${model.name}_results.json`)),
        async run(resume) {
          const run = await runEval({
            models: [model.dir],
            data: test.file,
            images: test.images,
            output: evalOutput,
            maxSamples: options.maxSamples,
            maxNewTokens: options.maxNewTokens,
            device: options.device,
            dtype: options.dtype,
            restart: !resume,
            settings: options.settings,
            loadModel: options.loadModel,
            progress: options.progress,
          })
          return run.models[0].metrics
        },
      })
    }
  }

  const state = await readExperimentState(output)
  const done: ExperimentReport['steps'] = []
  for (const step of steps) {
    const key = await step.key()
    const previous = state.steps[step.id]
    if (previous?.status === 'done' && previous.key === key && (await step.present())) {
      options.onStep?.({id: step.id, state: 'reused'})
      done.push({id: step.id, seconds: previous.seconds, reused: true})
      continue
    }
    options.onStep?.({id: step.id, state: 'running'})
    const started = Date.now()
    state.steps[step.id] = {key, status: 'running', started: new Date(started).toISOString(), seconds: null, result: null}
    await writeExperimentState(output, state)
    const result = await step.run(previous?.status === 'running' && previous.key === key)
    const seconds = (Date.now() - started) / 1000
    state.steps[step.id] = {...state.steps[step.id], status: 'done', seconds, result}
    await writeExperimentState(output, state)
    options.onStep?.({id: step.id, state: 'done', seconds})
    done.push({id: step.id, seconds, reused: false})
  }

  const main = state.steps[`merge ${merges[0].name}`].result as {alphas: AlphaBreakdown}
  return writeExperimentReport(output, {
    cmaam_version: CMAAM_VERSION,
    base: base.label,
    finetuned: finetunedInput.label,
    settings: {
      method: mainMethod,
      strategy: options.merge.alpha.strategy ?? 'full',
      base_alpha: options.merge.alpha.baseAlpha ?? 0.5,
      linear_alphas: options.linearAlphas,
      onnx_template: template.label,
      dtype: options.dtype,
      device: options.device,
      max_samples: options.maxSamples ?? null,
      max_new_tokens: options.maxNewTokens,
      seed: options.merge.seed,
    },
    models: evaluated,
    results: tests.map((test) => ({data: test.name, file: test.file, metrics: evaluated.map((model) => state.steps[`eval ${test.name} ${model.name}`].result as EvalMetrics)})),
    alphas: isCmaam ? main.alphas : null,
    steps: done,
    charts: [],
  })
}

/** The folder name of the main merge: its method (`cmaam`, `ties`…), or `merge` for a per-component mix. */
function mainName(method: string): string {
  return /^[a-z_-]+$/.test(method) ? method : 'merge'
}

/** `--onnx-template`, else the base itself when it carries an export for the dtype. */
async function experimentTemplate(options: ExperimentOptions, base: {dir: string; label: string}): Promise<{dir: string; label: string}> {
  if (options.onnxTemplate !== undefined) {
    return resolveOnnxTemplate({ref: options.onnxTemplate, dtypes: [options.dtype], weightsDir: base.dir, settings: options.settings, progress: options.progress})
  }
  if (await hasOnnxVariant(base.dir, options.dtype)) return base
  throw new CmaamError(`The base ${base.label} has no ONNX export (onnx/) for --dtype ${options.dtype}, and no --onnx-template was given`, {
    hint: 'Pass --onnx-template with an ONNX export of the base, e.g. onnx-community/Qwen2-VL-2B-Instruct (docs/experiment.md says how to export one).',
  })
}

/** `DIR/test.jsonl`, then each `--extra-data NAME=FILE`; names must be unique and the files exist. */
async function testSets(options: ExperimentOptions): Promise<Array<{name: string; file: string; images: string}>> {
  const dataDir = resolve(options.data)
  const sets = [{name: 'test', file: join(dataDir, 'test.jsonl'), images: dataDir}, ...options.extraData.map((extra) => ({name: extra.name, file: resolve(extra.file), images: resolve(extra.file, '..')}))]
  const seen = new Set<string>()
  for (const set of sets) {
    if (!/^[A-Za-z0-9._-]+$/.test(set.name)) throw new CmaamError(`--extra-data ${set.name}=…: the name may hold only letters, digits, ".", "_" and "-"`)
    if (seen.has(set.name)) throw new CmaamError(`Two test sets are named "${set.name}"`, {hint: 'Give each --extra-data another NAME (and none named "test").'})
    seen.add(set.name)
    if (!(await exists(set.file))) {
      throw new CmaamError(`Test set not found: ${set.file}`, {
        code: 'NOT_FOUND',
        hint: set.name === 'test' ? 'Point --data at the folder `cmaam data prepare` wrote (it holds test.jsonl).' : 'Check the FILE of --extra-data NAME=FILE.',
      })
    }
  }
  return sets
}

/** A step that points `models/<name>` at a folder that already has the ONNX export. */
function linkStep(id: string, link: string, target: string): Step {
  return {
    id,
    key: async () => stepKey({kind: 'link', target: resolve(target)}),
    present: async () => (await readlink(link).catch(() => null)) === resolve(target),
    run: async () => {
      await linkOrReplace(link, resolve(target))
      return {target: resolve(target)}
    },
  }
}

/** Makes `path` a link to `target` (or an empty folder when `target` is null), replacing what was there. */
async function linkOrReplace(path: string, target: string | null): Promise<void> {
  await rm(path, {recursive: true, force: true})
  if (target === null) await mkdir(path, {recursive: true})
  else await symlink(target, path, 'dir')
}

async function hasOnnxVariant(dir: string, dtype: keyof typeof EVAL_DTYPES): Promise<boolean> {
  const files = await readdir(join(dir, 'onnx')).catch(() => [] as string[])
  const suffix = EVAL_DTYPES[dtype]
  return VLM_SESSIONS.every((session) => files.includes(`${session}${suffix}.onnx`))
}

/** Copies config, tokenizer and processor files into `to` from the first folder that has each. */
async function copyMissingModelFiles(from: string[], to: string): Promise<void> {
  for (const name of MODEL_FILES) {
    if (await exists(join(to, name))) continue
    for (const dir of from) {
      if (await exists(join(dir, name))) {
        await copyFile(join(dir, name), join(to, name))
        break
      }
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

