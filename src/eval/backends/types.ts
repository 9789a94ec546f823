import type {EvalDevice} from '../eval-model'
import type {EvalBackendName, EvalSettings} from '../types'

/** A model's answer, or the server's refusal of this one item (a 400: prompt too long, bad image). */
export type Answer = {text: string; newTokens: number} | {rejected: string}

/** A model ready to answer questions, whatever runs it. */
export interface AnsweringModel {
  /** Reads an image file into what `answer` takes; throws when the file is not an image it can use. */
  readImage(path: string): Promise<unknown>
  /** Greedy answer to one question (images first, then the text, in one user turn): the new text only. */
  answer(question: string, images: unknown[]): Promise<Answer>
  /** How many `answer` calls may be in flight at once. */
  concurrency: number
  /** Frees the model: unloads it, or stops the server that serves it. */
  dispose(): Promise<void>
}

/** A `--model` value resolved by a backend: what its files are named after, and what its predictions depend on. */
export interface PreparedModel {
  /** Names the output files (`<name>_results.json`): the folder, repo or served model id. */
  label: string
  settings: EvalSettings
  /** Loads the model or starts its server; `serverLog` is where a started server's output goes. */
  open(options: {serverLog: string}): Promise<AnsweringModel>
}

/**
 * How `cmaam eval` gets answers: transformers.js on an ONNX export, an OpenAI-compatible server
 * already running, or one started per model. The runner, metrics, resume and shards are the same for all.
 */
export interface EvalBackend {
  name: EvalBackendName
  /** Where transformers.js runs the models; null for a server. */
  device: EvalDevice | null
  prepare(ref: string): Promise<PreparedModel>
}
