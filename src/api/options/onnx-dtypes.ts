import {parseOnnxDtypes, type OnnxDtype} from '../../onnx/onnx-variants'

/** ONNX precisions: `'q4,fp16'`, a list, or `'all'` (every precision the template has). */
export function onnxDtypesOption(value: string | OnnxDtype[], flag: string): OnnxDtype[] | 'all' {
  const text = Array.isArray(value) ? value.join(',') : value
  return text.trim() === 'all' ? 'all' : parseOnnxDtypes(text, flag)
}
