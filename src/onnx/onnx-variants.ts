import {CmaamError} from '../errors'

/** The precisions transformers.js loads, and the file-name suffix of each (`decoder_model_merged_q4.onnx`). */
export const ONNX_DTYPE_SUFFIXES = {fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4', q4f16: '_q4f16'} as const
export type OnnxDtype = keyof typeof ONNX_DTYPE_SUFFIXES
export const ONNX_DTYPES = Object.keys(ONNX_DTYPE_SUFFIXES) as OnnxDtype[]

/** Suffixes transformers.js knows but cmaam cannot re-quantize: such files are never taken for fp32. */
const OTHER_SUFFIXES = ['_int8', '_uint8', '_bnb4']

/** What an ONNX file of a template is: the session it holds and its precision. */
export interface OnnxVariant {
  /** Path relative to the template root, e.g. `onnx/decoder_model_merged_q4.onnx`. */
  file: string
  /** `decoder_model_merged`, `embed_tokens`, `vision_encoder`, `model`, … */
  session: string
  dtype: OnnxDtype
}

/** The session and precision of an `onnx/*.onnx` path, or null for another file or an unknown suffix. */
export function onnxVariant(path: string): OnnxVariant | null {
  const match = /^onnx\/([^/]+)\.onnx$/.exec(path)
  if (!match) return null
  const stem = match[1]
  for (const dtype of ONNX_DTYPES) {
    const suffix = ONNX_DTYPE_SUFFIXES[dtype]
    if (suffix !== '' && stem.endsWith(suffix)) return {file: path, session: stem.slice(0, -suffix.length), dtype}
  }
  if (OTHER_SUFFIXES.some((suffix) => stem.endsWith(suffix))) return null
  return {file: path, session: stem, dtype: 'fp32'}
}

/** `--dtype fp32,q4` or `all` → the list of precisions. */
export function parseOnnxDtypes(text: string, flag = '--dtype'): OnnxDtype[] {
  if (text.trim() === 'all') return [...ONNX_DTYPES]
  const dtypes = text.split(',').map((part) => part.trim()).filter(Boolean)
  const unknown = dtypes.filter((dtype) => !ONNX_DTYPES.includes(dtype as OnnxDtype))
  if (unknown.length > 0 || dtypes.length === 0) {
    throw new CmaamError(`${flag}: unknown ONNX precision ${unknown.length > 0 ? unknown.map((d) => `"${d}"`).join(', ') : `"${text}"`}`, {
      hint: `Use a comma-separated list of ${ONNX_DTYPES.join(', ')}, or all.`,
    })
  }
  return [...new Set(dtypes as OnnxDtype[])]
}

/** External data files that belong to an ONNX file: `X.onnx_data`, `X.onnx_data_1`, … in its folder. */
export function isExternalDataOf(onnxFile: string, path: string): boolean {
  return path === `${onnxFile}_data` || (path.startsWith(`${onnxFile}_data_`) && !/[\\/]/.test(path.slice(onnxFile.length)))
}
