import type {OnnxDtype} from './onnx-variants'

/** One initializer that took a checkpoint parameter's value. */
export interface OnnxInitializerRecord {
  initializer: string
  parameter: string
  via: 'name' | 'consumer' | 'tied'
  layout: 'same' | 'transposed'
  /** float32, float16, q4 (MatMulNBits), q8 (MatMulInteger, …). */
  format: string
  /** Largest |written value (dequantized) − checkpoint value|. */
  max_abs_diff: number
}

export interface OnnxFileReport {
  /** Relative to the output folder, e.g. `decoder_model_merged_q4.onnx`. */
  file: string
  session: string
  dtype: OnnxDtype
  initializers: number
  replaced: {by_name: number; by_consumer: number; tied: number}
  /** Identity twins whose merged values differ from their source: each now has its own initializer. */
  twins_split: string[]
  constants: number
  /** Parameter-looking initializers left at their template value (only with --allow-unmapped). */
  unmapped: {name: string; reason: string}[]
  max_abs_diff: number
  external_data: string[]
  parameters: OnnxInitializerRecord[]
}

/** `cmaam_onnx_report.json`. */
export interface OnnxApplyReport {
  cmaam_version: string
  weights: string
  template: string
  output: string
  dtypes: OnnxDtype[]
  files: OnnxFileReport[]
  /** Checkpoint parameters that fed no initializer of any file written. */
  unused_parameters: string[]
  /** Config, tokenizer and processor files copied from the template because the weights folder lacked them. */
  copied_files: string[]
  seconds: number
}
