import {mkdir, rmdir} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {CmaamError} from '../errors'
import {serveBackend} from '../eval/backends/serve'
import {transformersJsBackend} from '../eval/backends/transformers-js'
import type {EvalBackend} from '../eval/backends/types'
import {runEval} from '../eval/run-eval'
import type {EvalMetrics} from '../eval/types'
import {resolveModelInput} from '../hub/resolve-model-input'
import {isAdapterFolder} from '../lora/open-lora-adapter'
import type {AlphaBreakdown} from '../merge/alpha-breakdown'
import {describeMethods} from '../merge/methods/resolve-methods'
import {CMAAM_VERSION} from '../version'
import {fingerprint, stepKey} from './fingerprint'
import {loraStep, mergePlans, mergeStep, type ExperimentInputs} from './merge-steps'
import {experimentTemplate, hasOnnxVariant, onnxStep, type OnnxTemplate} from './onnx-step'
import {exists, linkStep, runSteps, type Step} from './step'
import type {ExperimentModel, ExperimentOptions, ExperimentReport} from './types'
import {writeExperimentReport} from './write-experiment-report'

/** A test set: `DIR/test.jsonl` or an `--extra-data` file, and the folder its image paths are relative to. */
interface TestSet {
  name: string
  file: string
  images: string
}

/**
 * The seed's experiment in one resumable run: the fine-tune (a LoRA adapter is merged into the
 * base first), the main merge and the linear baselines, an ONNX export of every model through the
 * template (or, with `serve`, none: each model is served from its folder), an evaluation of each
 * on every test set, and the report with its charts. Every step is recorded in `experiment.json`
 * with the hash of its settings and inputs, so a second run does no work and a changed setting
 * redoes only the steps that depend on it.
 */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentReport> {
  if (options.linearAlphas.some((alpha) => !(alpha >= 0 && alpha <= 1))) {
    throw new CmaamError(`--linear-alphas must be numbers in [0, 1], got ${options.linearAlphas.join(',')}`)
  }
  const output = resolve(options.output)
  const tests = await testSets(options)
  const inputs = await resolveInputs(options)
  // With servers, each model is served from its weights: no ONNX template, no export.
  const template = options.serve ? null : await experimentTemplate(options, inputs.base)
  const {steps, models} = await planModels(options, inputs, output, template)
  steps.push(...evalSteps(options, tests, models, output))
  const createdOutput = !(await exists(output))
  const modelsDir = join(output, 'models')
  await mkdir(modelsDir, {recursive: true})
  const {done, results} = await runSteps(steps, output, options.onStep).catch(async (error: unknown) => {
    // A run that failed before its first step wrote anything leaves no empty folders behind.
    await rmdir(modelsDir).catch(() => {})
    if (createdOutput) await rmdir(output).catch(() => {})
    throw error
  })
  return writeExperimentReport(output, experimentReport(options, {inputs, template, tests, models, results, steps: done}))
}

async function resolveInputs(options: ExperimentOptions): Promise<ExperimentInputs> {
  const base = await resolveModelInput({ref: options.base, settings: options.settings, progress: options.progress})
  const finetuned = await resolveModelInput({ref: options.finetuned, settings: options.settings, progress: options.progress})
  return {base, finetuned, adapter: (await isAdapterFolder(finetuned.dir)) ? finetuned.dir : null}
}

/**
 * The steps that make each evaluated model, in order: base, fine-tune (a LoRA adapter merged into
 * the base first), then the merges; each model gets `models/<name>`, with its ONNX export for
 * transformers.js, or as its weights for a server.
 */
async function planModels(options: ExperimentOptions, inputs: ExperimentInputs, output: string, template: OnnxTemplate | null): Promise<{steps: Step[]; models: ExperimentModel[]}> {
  const steps: Step[] = []
  const models: ExperimentModel[] = []
  const addModel = async (model: {name: string; description: string; weights: string; owned: boolean}) => {
    const dir = join(output, 'models', model.name)
    const step = await modelStep(options, model, dir, template)
    if (step) steps.push(step)
    models.push({name: model.name, description: model.description, dir})
  }
  await addModel({name: 'base', description: 'Base model (the merge target)', weights: inputs.base.dir, owned: false})
  let finetunedDir = inputs.finetuned.dir
  if (inputs.adapter) {
    finetunedDir = join(output, 'models', 'finetuned')
    steps.push(loraStep(options, inputs, inputs.adapter, finetunedDir))
  }
  await addModel({name: 'finetuned', description: inputs.adapter ? 'Fine-tune (its LoRA adapter merged into the base)' : 'Fine-tuned model (the merge source)', weights: finetunedDir, owned: inputs.adapter !== null})
  for (const merge of mergePlans(options)) {
    const dir = join(output, 'models', merge.name)
    steps.push(mergeStep(options, inputs, merge, finetunedDir, dir))
    await addModel({name: merge.name, description: merge.description, weights: dir, owned: true})
  }
  return {steps, models}
}

/**
 * What makes `models/<name>` ready to evaluate: nothing for a server when the experiment wrote the
 * model there; a link to a given model's weights for a server, or to its own ONNX export for
 * transformers.js; else its ONNX export written through the template.
 */
async function modelStep(options: ExperimentOptions, model: {name: string; weights: string; owned: boolean}, dir: string, template: OnnxTemplate | null): Promise<Step | null> {
  if (template === null) return model.owned ? null : linkStep(`link ${model.name}`, dir, model.weights)
  if (!model.owned && (await hasOnnxVariant(model.weights, options.dtype))) return linkStep(`link ${model.name}`, dir, model.weights)
  return onnxStep(options, model, dir, template)
}

/** An eval step per test set and model, through transformers.js or a server per model. */
function evalSteps(options: ExperimentOptions, tests: TestSet[], models: ExperimentModel[], output: string): Step[] {
  const backend = experimentBackend(options)
  // What the answers depend on besides the data and the model: the ONNX variant, or the serving command.
  const answeredBy = options.serve ? {serve: options.serve.serve} : {dtype: options.dtype}
  return tests.flatMap((test) =>
    models.map((model): Step => {
      const evalOutput = join(output, 'eval', test.name)
      return {
        id: `eval ${test.name} ${model.name}`,
        key: async () =>
          stepKey({kind: 'eval', data: await fingerprint(test.file), model: await fingerprint(model.dir), ...answeredBy, maxSamples: options.maxSamples ?? null, maxNewTokens: options.maxNewTokens}),
        present: () => exists(join(evalOutput, `${model.name}_results.json`)),
        async run(resume) {
          // The comparison shows this experiment's models, not those of an earlier run with other settings.
          const run = await runEval({models: [model.dir], comparisonModels: models.map((m) => m.name), data: test.file, images: test.images, output: evalOutput, maxSamples: options.maxSamples, restart: !resume, backend, progress: options.progress})
          return run.models[0].metrics
        },
      }
    }),
  )
}

function experimentBackend(options: ExperimentOptions): EvalBackend {
  const common = {maxNewTokens: options.maxNewTokens, settings: options.settings, progress: options.progress}
  return options.serve ? serveBackend({...options.serve, ...common}) : transformersJsBackend({...common, device: options.device, dtype: options.dtype, loadModel: options.loadModel})
}

/** `report.json` before the charts: the settings, every model's metrics per test set, and the main merge's α. */
function experimentReport(
  options: ExperimentOptions,
  run: {inputs: ExperimentInputs; template: OnnxTemplate | null; tests: TestSet[]; models: ExperimentModel[]; results: Map<string, unknown>; steps: ExperimentReport['steps']},
): ExperimentReport {
  const mainMethod = describeMethods(options.merge.method)
  const main = run.results.get(`merge ${mergePlans(options)[0].name}`) as {alphas: AlphaBreakdown}
  return {
    cmaam_version: CMAAM_VERSION,
    base: run.inputs.base.label,
    finetuned: run.inputs.finetuned.label,
    settings: {
      method: mainMethod,
      strategy: options.merge.alpha.strategy ?? 'full',
      base_alpha: options.merge.alpha.baseAlpha ?? 0.5,
      linear_alphas: options.linearAlphas,
      backend: options.serve ? 'serve' : 'transformers.js',
      serve: options.serve ? options.serve.redact(options.serve.serve) : null,
      onnx_template: run.template?.label ?? null,
      dtype: options.serve ? null : options.dtype,
      device: options.device,
      max_samples: options.maxSamples ?? null,
      max_new_tokens: options.maxNewTokens,
      seed: options.merge.seed,
    },
    models: run.models,
    results: run.tests.map((test) => ({data: test.name, file: test.file, metrics: run.models.map((model) => run.results.get(`eval ${test.name} ${model.name}`) as EvalMetrics)})),
    alphas: mainMethod === 'cmaam' ? main.alphas : null,
    steps: run.steps,
    charts: [],
  }
}

/** `DIR/test.jsonl`, then each `--extra-data NAME=FILE`; names must be unique and the files exist. */
async function testSets(options: ExperimentOptions): Promise<TestSet[]> {
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
