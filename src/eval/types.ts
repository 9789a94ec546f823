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

/** Why a sample was not asked. */
export type SkipReason = 'missing_image' | 'unreadable_image'

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

/** Settings a prediction depends on: a resume or a combine refuses to mix different ones. */
export interface EvalSettings {
  /** The folder as given, or `org/name@<commit>` for a Hub model. */
  model: string
  dtype: string
  max_new_tokens: number
}

export interface EvalResultsFile {
  metrics: EvalMetrics
  results: Array<{question: string; gold: string; pred: string; exact_match: boolean; contains_match: boolean; category: string | null}>
  selection: EvalSelection
  settings: EvalSettings
}
