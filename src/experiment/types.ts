import type {ProgressFactory} from '../progress'
import type {EvalDevice, EvalDtype} from '../eval/eval-model'
import type {ServeBackendOptions} from '../eval/backends/serve'
import type {TransformersJsBackendOptions} from '../eval/backends/transformers-js'
import type {EvalMetrics} from '../eval/types'
import type {HubSettings} from '../hub/types'
import type {AlphaBreakdown} from '../merge/alpha-breakdown'
import type {MergeSettings} from '../merge/run-merge'

/** Merge settings shared by every merge of an experiment (the method and α of each come from the plan). */
export type ExperimentMergeSettings = Omit<
  MergeSettings,
  'sources' | 'target' | 'output' | 'labels' | 'reproduce' | 'config' | 'force' | 'analyze' | 'saveAlphas' | 'progress' | 'notice' | 'onnx' | 'adapter'
>

export interface ExperimentOptions {
  /** The base model: a folder or a Hub repo. */
  base: string
  /** The fine-tune: a full checkpoint (folder or Hub repo) or a PEFT LoRA adapter folder. */
  finetuned: string
  /** Folder with `test.jsonl` (as `cmaam data prepare` writes it); image paths are relative to it. */
  data: string
  /** More test sets, e.g. an English set for retention: each is evaluated like `test.jsonl`. */
  extraData: Array<{name: string; file: string}>
  output: string
  /** An ONNX export of the base (folder or Hub repo); default: the base itself when it has `onnx/`. Not used with `serve`. */
  onnxTemplate?: string
  /**
   * Evaluate every model through a server started for it (`--serve`) instead of transformers.js:
   * no ONNX is written and no template is needed.
   */
  serve?: ExperimentServeOptions
  /** α of the linear baselines. */
  linearAlphas: number[]
  /** Settings of the main merge (method, strategy, α₀…), also used for the linear baselines' shared keys. */
  merge: ExperimentMergeSettings
  maxSamples?: number
  maxNewTokens: number
  device: EvalDevice
  dtype: EvalDtype
  settings: () => HubSettings
  /** Opens a model for transformers.js (without `serve`). */
  loadModel: TransformersJsBackendOptions['loadModel']
  progress: ProgressFactory
  /** One call when a step starts and one when it ends (or is found done). */
  onStep?: (event: StepEvent) => void
}

/** How `experiment --serve` starts and asks the servers. */
export type ExperimentServeOptions = Omit<ServeBackendOptions, 'maxNewTokens' | 'settings' | 'progress'>

export interface StepEvent {
  id: string
  state: 'running' | 'done' | 'reused'
  /** Wall time of a finished step. */
  seconds?: number
}

/** One evaluated model of the experiment. */
export interface ExperimentModel {
  name: string
  description: string
  /** The folder evaluated: what transformers.js loads (config, tokenizer and `onnx/`), or what the server serves. */
  dir: string
}

/** `report.json`. */
export interface ExperimentReport {
  cmaam_version: string
  base: string
  finetuned: string
  settings: {
    method: string
    strategy: string
    base_alpha: number
    linear_alphas: number[]
    /** What produced the numbers: transformers.js on ONNX exports, or a server per model (`--serve`). */
    backend: 'transformers.js' | 'serve'
    /** The `--serve` preset or command template; null for transformers.js. */
    serve: string | null
    /** null with `--serve`. */
    onnx_template: string | null
    /** The ONNX variant evaluated; null with `--serve`. */
    dtype: EvalDtype | null
    device: EvalDevice
    max_samples: number | null
    max_new_tokens: number
    seed: number
  }
  models: ExperimentModel[]
  /** Per test set, the metrics of every model in `models` order. */
  results: Array<{data: string; file: string; metrics: EvalMetrics[]}>
  /** α of the main merge per component (null when it is not a CMAAM merge). */
  alphas: AlphaBreakdown | null
  steps: Array<{id: string; seconds: number | null; reused: boolean}>
  charts: string[]
}
