import {copyFile, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {EVAL_DTYPES, VLM_SESSIONS, type EvalDtype} from '../eval/eval-model'
import {resolveOnnxTemplate} from '../onnx/resolve-onnx-template'
import {MODEL_FILES} from '../io/output/copy-model-files'
import {applyOnnx} from '../onnx/apply-onnx'
import {fingerprint, stepKey} from './fingerprint'
import {exists, linkOrReplace, type Step} from './step'
import type {ExperimentOptions} from './types'

/** The template every ONNX export is written through. */
export interface OnnxTemplate {
  dir: string
  label: string
}

/** `--onnx-template`, else the base itself when it carries an export for the dtype. */
export async function experimentTemplate(options: ExperimentOptions, base: {dir: string; label: string}): Promise<OnnxTemplate> {
  if (options.onnxTemplate !== undefined) {
    return resolveOnnxTemplate({ref: options.onnxTemplate, dtypes: [options.dtype], weightsDir: base.dir, settings: options.settings, progress: options.progress})
  }
  if (await hasOnnxVariant(base.dir, options.dtype)) return base
  throw new CmaamError(`The base ${base.label} has no ONNX export (onnx/) for --dtype ${options.dtype}, and no --onnx-template was given`, {
    hint: 'Pass --onnx-template with an ONNX export of the base, e.g. onnx-community/Qwen2-VL-2B-Instruct (docs/experiment.md says how to export one), or evaluate through servers with --serve vllm.',
  })
}

/** Writes a model's weights into `evalDir/onnx` through the template, with the files transformers.js needs beside it. */
export function onnxStep(options: ExperimentOptions, model: {name: string; weights: string; owned: boolean}, evalDir: string, template: OnnxTemplate): Step {
  return {
    id: `onnx ${model.name}`,
    key: async () => stepKey({kind: 'onnx', dtype: options.dtype, weights: await fingerprint(model.weights, {exclude: ['onnx']}), template: await fingerprint(template.dir)}),
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
  }
}

export async function hasOnnxVariant(dir: string, dtype: EvalDtype): Promise<boolean> {
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
