import {CmaamError} from '../errors'
import {isExternalDataOf, onnxVariant, ONNX_DTYPE_SUFFIXES, type OnnxDtype, type OnnxVariant} from './onnx-variants'

export interface TemplateFiles {
  variants: OnnxVariant[]
  /** The variants' external data files (`onnx/X.onnx_data`, `onnx/X.onnx_data_1`…). */
  externalData: string[]
}

/**
 * The ONNX files of a template (its file list, relative to the root) that `dtypes` asks for.
 * An explicit precision the template lacks is an error naming those it has; `all` takes whatever
 * is there.
 */
export function listTemplateFiles(paths: string[], dtypes: OnnxDtype[] | 'all', template: string): TemplateFiles {
  const all = paths.map(onnxVariant).filter((variant): variant is OnnxVariant => variant !== null).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  const has = [...new Set(all.map((variant) => variant.dtype))]
  if (all.length === 0) {
    throw new CmaamError(`Template ${template} has no onnx/*.onnx files`, {
      hint: 'Use an ONNX export of the base model, e.g. an onnx-community/… repo, with its onnx/ folder.',
    })
  }
  const wanted = dtypes === 'all' ? has : dtypes
  const missing = wanted.filter((dtype) => !has.includes(dtype))
  if (missing.length > 0) {
    throw new CmaamError(`Template ${template} has no ${missing.join(', ')} ONNX files (file suffix ${missing.map((d) => `"${ONNX_DTYPE_SUFFIXES[d] || '(none)'}"`).join(', ')})`, {
      code: 'NOT_FOUND',
      hint: `It has ${has.join(', ')}: pass --dtype with those, or all.`,
    })
  }
  const variants = all.filter((variant) => wanted.includes(variant.dtype))
  const externalData = paths.filter((path) => variants.some((variant) => isExternalDataOf(variant.file, path))).sort()
  return {variants, externalData}
}
