import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../../errors'
import {resolveModelInput} from '../../hub/resolve-model-input'
import type {HubSettings} from '../../hub/types'
import type {ProgressFactory} from '../../progress'
import type {EvalDevice, EvalDtype, EvalModel} from '../eval-model'
import {onnxModelFiles, selectOnnxModelFiles} from '../onnx-model-files'
import type {EvalBackend} from './types'

export interface TransformersJsBackendOptions {
  device: EvalDevice
  dtype: EvalDtype
  maxNewTokens: number
  settings: () => HubSettings
  progress: ProgressFactory
  /** Opens a model folder; `loadTransformersModel` (tests may pass another runner). */
  loadModel: (options: {dir: string; device: EvalDevice; dtype: EvalDtype; maxNewTokens: number}) => Promise<EvalModel>
}

/** transformers.js on an ONNX export in this process, one item at a time: the default backend. */
export function transformersJsBackend(options: TransformersJsBackendOptions): EvalBackend {
  return {
    name: 'transformers.js',
    device: options.device,
    async prepare(ref) {
      const input = await resolveModelInput({ref, settings: options.settings, progress: options.progress, select: selectOnnxModelFiles(ref, options.dtype)})
      if (!input.repo) await checkLocalModel(input.dir, options.dtype)
      return {
        label: ref,
        // A Hub model is pinned to its commit: predictions of another commit are not resumed or combined.
        settings: {model: input.repo ? input.replay : input.label, dtype: options.dtype, max_new_tokens: options.maxNewTokens},
        async open() {
          const model = await options.loadModel({dir: input.dir, device: options.device, dtype: options.dtype, maxNewTokens: options.maxNewTokens})
          return {readImage: (path) => model.readImage(path), answer: (question, images) => model.answer(question, images), dispose: () => model.dispose(), concurrency: 1}
        },
      }
    },
  }
}

/** A local model must hold a transformers.js export for the dtype: checked before the long load. */
async function checkLocalModel(dir: string, dtype: EvalDtype): Promise<void> {
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false)
  if (!isDir) throw new CmaamError(`Model folder not found: ${dir}`, {hint: 'Pass a folder with config.json and onnx/, or a Hub repo id.', code: 'NOT_FOUND'})
  const top = await readdir(dir)
  const onnx = await readdir(join(dir, 'onnx')).catch(() => [] as string[])
  onnxModelFiles([...top, ...onnx.map((file) => `onnx/${file}`)], dir, dtype)
}
