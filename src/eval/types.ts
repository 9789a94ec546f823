/** One question of an evaluation data set, as read from its JSONL file. */
export interface EvalItem {
  /** Stable identity: the line's `id` field, else a hash of its content; used for shards and resume. */
  id: string
  /** 1-based line number in the data file, for messages. */
  line: number
  /** The user's text (text parts joined by newlines). */
  question: string
  /** Image paths as written in the file, in prompt order; empty for a text-only question. */
  images: string[]
  /** The assistant's reference answer. */
  gold: string
  category: string | null
}

/** Why a sample has no answer: its image, or a request the server rejected for this item (400). */
export type SkipReason = 'missing_image' | 'unreadable_image' | 'request_error'

/** One line of `<model>_predictions.jsonl`: an answered sample, or a skipped one. */
export type PredictionRecord =
  | {
      id: string
      /** Line of the item in the data file: orders combined shards as the file does. */
      line: number
      question: string
      gold: string
      pred: string
      exact_match: boolean
      contains_match: boolean
      category: string | null
      /** New tokens generated, and the time it took (load time excluded). */
      new_tokens: number
      seconds: number
    }
  | {id: string; line: number; skipped: SkipReason; detail: string}

export interface CategoryMetrics {
  n: number
  exact_match_accuracy: number
  contains_accuracy: number
}

/** `metrics` of `<model>_results.json`: the reference's fields, extended. */
export interface EvalMetrics {
  model: string
  n_samples: number
  exact_match_accuracy: number
  contains_accuracy: number
  per_category: Record<string, CategoryMetrics>
  skipped: Partial<Record<SkipReason, number>>
  /** Generation time summed over samples (model loading excluded). */
  seconds: number
  tokens_per_second: number
}

/** Which items a run covers, so that shards can be combined and resumes checked. */
export interface EvalSelection {
  /** The data file as given, and its item count. */
  data: string
  data_items: number
  max_samples: number | null
  /** `I/N`, or null for the whole selection. */
  shard: string | null
  /** Items of this run (after --max-samples and --shard). */
  items: number
}

/** What produced the answers: transformers.js in this process, a running server, or servers cmaam started. */
export type EvalBackendName = 'transformers.js' | 'endpoint' | 'serve'

/**
 * Settings a prediction depends on: a resume or a combine refuses to mix different ones (all keys
 * but `endpoint`, which a load balancer or a fresh port may change). The transformers.js backend
 * writes `model`, `dtype` and `max_new_tokens` only, as before servers existed.
 */
export interface EvalSettings {
  /** The folder as given, `org/name@<commit>` for a Hub model, or the served model id of `--endpoint`. */
  model: string
  /** transformers.js: the ONNX variant evaluated. */
  dtype?: string
  max_new_tokens: number
  /** Absent for transformers.js. */
  backend?: Exclude<EvalBackendName, 'transformers.js'>
  /** `--endpoint`: the API base URL (not compared). */
  endpoint?: string
  /** `--endpoint`: what the server says it serves under that id (vLLM's `root`: the weights' path). */
  server_model?: string
  /** `--serve`: the preset or command template that served the model. */
  serve?: string
}

export interface EvalResultsFile {
  metrics: EvalMetrics
  results: Array<{question: string; gold: string; pred: string; exact_match: boolean; contains_match: boolean; category: string | null}>
  selection: EvalSelection
  settings: EvalSettings
}
