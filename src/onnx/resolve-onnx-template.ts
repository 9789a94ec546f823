import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {silentProgress, type ProgressFactory} from '../progress'
import {MODEL_FILES} from '../io/output/copy-model-files'
import {listTemplateFiles} from './list-template-files'
import type {OnnxDtype} from './onnx-variants'
import {downloadModel} from '../hub/download-model'
import {parseModelRef} from '../hub/parse-model-ref'
import {transferProgressBar} from '../progress/transfer-progress-bar'
import type {HubSettings} from '../hub/types'

export interface ResolveOnnxTemplateOptions {
  /** A folder, or `org/name[@revision]` of an ONNX export (e.g. onnx-community/Qwen2-VL-2B-Instruct). */
  ref: string
  dtypes: OnnxDtype[] | 'all'
  /** The weights folder: the template's config, tokenizer and processor files are fetched only when it lacks them. */
  weightsDir: string
  settings: () => HubSettings
  progress?: ProgressFactory
}

export interface OnnxTemplateInput {
  dir: string
  /** How reports name it: the folder as given, or `org/name@<sha>`. */
  label: string
}

/**
 * An ONNX template ready to read: a local folder as it is, or a Hub repo of which only the
 * requested `onnx/` files (with their external data) are brought into the Hugging Face cache,
 * plus the config, tokenizer and processor files the weights folder lacks.
 */
export async function resolveOnnxTemplate(options: ResolveOnnxTemplateOptions): Promise<OnnxTemplateInput> {
  const ref = parseModelRef(options.ref)
  if (ref.kind === 'local') return {dir: ref.path, label: options.ref}
  const source = `${ref.repo}@${ref.revision}`
  const lacking = MODEL_FILES.filter((name) => !existsSync(join(options.weightsDir, name)))
  const select = (paths: string[]): string[] => {
    const {variants, externalData} = listTemplateFiles(paths, options.dtypes, source)
    return [...variants.map((variant) => variant.file), ...externalData, ...paths.filter((path) => lacking.includes(path))]
  }
  const bar = transferProgressBar(options.progress ?? silentProgress, ref.repo)
  const model = await downloadModel({repo: ref.repo, revision: ref.revision, settings: options.settings(), progress: bar.update, select})
  bar.done()
  return {dir: model.dir, label: `${ref.repo}@${model.sha}`}
}
