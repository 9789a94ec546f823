import type {Device} from '../compute/device/device'

/** A vision-language model loaded by transformers.js; its backend (backends/transformers-js.ts) asks it one item at a time. */
export interface EvalModel {
  /** Decodes an image file; throws when the file is not an image it can read. */
  readImage(path: string): Promise<unknown>
  /** Greedy answer to one question, with the model's chat template: the decoded new tokens only. */
  answer(question: string, images: unknown[]): Promise<{text: string; newTokens: number}>
  dispose(): Promise<void>
}

/** Where transformers.js runs a model: onnxruntime's execution provider, as `--device` resolved it. */
export type EvalDevice = Device

/** transformers.js dtypes and the suffix of their ONNX files (`onnx/decoder_model_merged_q4.onnx`). */
export const EVAL_DTYPES = {fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4', q4f16: '_q4f16'} as const
export type EvalDtype = keyof typeof EVAL_DTYPES

/** The ONNX sessions transformers.js runs a vision-language model with. */
export const VLM_SESSIONS = ['embed_tokens', 'vision_encoder', 'decoder_model_merged'] as const
