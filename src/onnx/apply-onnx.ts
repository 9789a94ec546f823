import {copyFile, readdir, stat} from 'node:fs/promises'
import {join, relative, resolve} from 'node:path'
import type {ProgressFactory} from '../progress'
import {CmaamError} from '../errors'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import {MODEL_FILES} from '../io/output/copy-model-files'
import {createStaging} from '../io/output/create-staging'
import {resolveInside} from '../io/paths/resolve-inside'
import {readModelConfig} from '../io/read-model-config'
import {detectAdapter} from '../models/detect-adapter'
import {getAdapter} from '../models/registry'
import {writeJsonFile} from '../report/write-json-file'
import {CMAAM_VERSION} from '../version'
import {applyOnnxFile} from './apply-onnx-file'
import {listTemplateFiles} from './list-template-files'
import {isExternalDataOf, type OnnxDtype} from './onnx-variants'
import type {OnnxApplyReport, OnnxFileReport} from './types'

const ONNX_REPORT_FILE = 'cmaam_onnx_report.json'

export interface ApplyOnnxSettings {
  /** Folder with the safetensors weights to write into the template (e.g. a merged model). */
  weights: string
  /** Local folder of the template: an ONNX export with an `onnx/` folder. */
  template: string
  /** How reports name the template (a repo id); defaults to the folder. */
  templateLabel?: string
  /** How the report names the weights and output folders when they are written elsewhere first (a merge's staging folder). */
  reportPaths?: {weights: string; output: string}
  /** The folder the ONNX files go to; default `<weights>/onnx`. */
  output?: string
  dtypes: OnnxDtype[] | 'all'
  allowUnmapped: boolean
  /** Replace an existing output folder. */
  force: boolean
  /** Adapter name, or `auto` (from config.json, then tensor names). */
  modelType: string
  progress: ProgressFactory
}

/**
 * `onnx apply`: writes every requested ONNX file of the template with the weights' values in
 * place of the parameters it holds, with `cmaam_onnx_report.json`, into a staging folder that
 * replaces the output once complete. With the default output (`onnx/` inside the weights folder),
 * config, tokenizer and processor files the weights folder lacks are copied from the template, so
 * the folder loads in transformers.js.
 */
export async function applyOnnx(settings: ApplyOnnxSettings): Promise<OnnxApplyReport> {
  const started = Date.now()
  const weightsDir = resolve(settings.weights)
  const templateDir = resolve(settings.template)
  const output = resolve(settings.output ?? join(weightsDir, 'onnx'))
  const checkpoint = await openCheckpoint(weightsDir)
  const adapter = settings.modelType === 'auto' ? detectAdapter({config: await readModelConfig(weightsDir), names: [...checkpoint.tensors.keys()]}).adapter : getAdapter(settings.modelType)
  const templateLabel = settings.templateLabel ?? settings.template
  const onnxDir = join(templateDir, 'onnx')
  const listing = await readdir(onnxDir).catch((error) => {
    throw new CmaamError(`Template ${templateLabel} has no onnx/ folder (${onnxDir})`, {
      hint: 'Use an ONNX export of the base model, e.g. an onnx-community/… repo, with its onnx/ folder.',
      cause: error,
    })
  })
  const {variants} = listTemplateFiles(listing.map((name) => `onnx/${name}`), settings.dtypes, templateLabel)

  const staging = await createStaging(output, {force: settings.force, inputs: [weightsDir, templateDir], insideInput: true})
  try {
    let totalBytes = 0
    for (const variant of variants) totalBytes += await templateBytes(templateDir, variant.file, listing, templateLabel)
    const progress = settings.progress('onnx apply', totalBytes)
    const files: OnnxFileReport[] = []
    const used = new Set<string>()
    for (const variant of variants) {
      const result = await applyOnnxFile({
        templatePath: resolveInside({folder: templateDir, entry: variant.file, kind: 'file', file: `template ${templateLabel}`, what: 'ONNX file'}),
        variant,
        outputDir: staging.dir,
        checkpoint,
        adapter,
        allowUnmapped: settings.allowUnmapped,
        progress,
      })
      files.push(result.report)
      for (const name of result.used) used.add(name)
    }
    progress.done()

    const copied: string[] = []
    const copyTo = relative(weightsDir, output) === 'onnx' ? weightsDir : null
    if (copyTo) {
      for (const name of MODEL_FILES) {
        if ((await isFile(templateFile(templateDir, name, templateLabel))) && !(await isFile(join(copyTo, name)))) copied.push(name)
      }
    }
    const report: OnnxApplyReport = {
      cmaam_version: CMAAM_VERSION,
      weights: settings.reportPaths?.weights ?? settings.weights,
      template: templateLabel,
      output: settings.reportPaths?.output ?? output,
      dtypes: [...new Set(variants.map((variant) => variant.dtype))],
      files,
      unused_parameters: [...checkpoint.tensors.keys()].filter((name) => !used.has(name)),
      copied_files: copied,
      seconds: (Date.now() - started) / 1000,
    }
    await writeJsonFile(join(staging.dir, ONNX_REPORT_FILE), report)
    await staging.commit()
    for (const name of copied) await copyFile(templateFile(templateDir, name, templateLabel), join(copyTo as string, name))
    return report
  } finally {
    await staging.discard()
  }
}

async function templateBytes(templateDir: string, file: string, listing: string[], label: string): Promise<number> {
  let bytes = 0
  for (const entry of listing) {
    const path = `onnx/${entry}`
    if (path === file || isExternalDataOf(file, path)) bytes += (await stat(templateFile(templateDir, path, label))).size
  }
  return bytes
}

/** A file of the template to read: refused when it is a link out of the template folder. */
function templateFile(templateDir: string, path: string, label: string): string {
  return resolveInside({folder: templateDir, entry: path, kind: 'file', file: `template ${label}`, what: 'file'})
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((stats) => stats.isFile(), () => false)
}
