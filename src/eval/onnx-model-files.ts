import {CmaamError} from '../errors'
import {MODEL_FILES} from '../io/output/copy-model-files'
import {isExternalDataOf} from '../onnx/onnx-variants'
import {EVAL_DTYPES, VLM_SESSIONS, type EvalDtype} from './eval-model'

/**
 * What transformers.js needs of a model folder or repo for one dtype: config, tokenizer and
 * processor files, and each session's `onnx/<session><suffix>.onnx` with its external data
 * (`.onnx_data`, `.onnx_data_1`, …). Throws naming the missing graphs and the dtypes present.
 */
export function onnxModelFiles(paths: string[], source: string, dtype: EvalDtype): {support: string[]; weights: string[]} {
  const present = new Set(paths)
  const graphs = VLM_SESSIONS.map((session) => `onnx/${session}${EVAL_DTYPES[dtype]}.onnx`)
  const missing = graphs.filter((graph) => !present.has(graph))
  if (missing.length > 0) {
    const available = (Object.keys(EVAL_DTYPES) as EvalDtype[]).filter((d) => VLM_SESSIONS.every((s) => present.has(`onnx/${s}${EVAL_DTYPES[d]}.onnx`)))
    throw new CmaamError(`${source} has no ${missing.join(', ')} (needed for --dtype ${dtype})`, {
      code: 'NOT_FOUND',
      hint: available.length > 0
        ? `Its ONNX export has: ${available.join(', ')}; pass one with --dtype.`
        : 'eval runs transformers.js ONNX exports: write one into a merged folder with `cmaam onnx apply`, or use an onnx-community/… repo.',
    })
  }
  const data = paths.filter((path) => graphs.some((graph) => isExternalDataOf(graph, path)))
  return {support: paths.filter((path) => MODEL_FILES.includes(path)).sort(), weights: [...graphs, ...data.sort()]}
}

/** The same choice as a Hub download selection: the files' paths, for `source` (named in errors). */
export function selectOnnxModelFiles(source: string, dtype: EvalDtype): (paths: string[]) => string[] {
  return (paths) => {
    const {support, weights} = onnxModelFiles(paths, source, dtype)
    return [...support, ...weights]
  }
}
