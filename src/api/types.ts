import type {ProgressEvent} from '../progress'
import type {DeviceRequest} from '../compute/device/device'
import type {CategoryMap} from '../data/categories'
import type {PrepareMode} from '../data/modes'
import type {ExampleFamily} from '../example/families'
import type {StepEvent} from '../experiment/types'
import type {EvalDtype} from '../eval/eval-model'
import type {GroupingCompat} from '../merge/analysis/layer-groups'
import type {MergeStrategy} from '../merge/analysis/types'
import type {MethodName, ParamValue, RescaleMode} from '../merge/methods/types'
import type {AdapterDefinition, Component} from '../models/types'
import type {OnnxDtype} from '../onnx/onnx-variants'

export type {ProgressEvent} from '../progress'

/** How a library call reports, instead of printing: nothing reaches stdout or stderr. */
export interface ReportingOptions {
  /** Called as work advances: once when a pass starts (done 0), then after each step, last with done = total. */
  onProgress?: (event: ProgressEvent) => void
  /** Messages that are not errors: the generic-fallback warning, leftovers of a killed run removed, … */
  onWarning?: (message: string) => void
}

export interface HubOptions {
  /** Hugging Face token; default HF_TOKEN, else the token file (HF_TOKEN_PATH or HF_HOME/token). */
  token?: string
}

/** A value for every component, or a default and per-component values: `0.5`, `'0.5,vision=0.2'`, `{default: 0.5, vision: 0.2}`. */
export type PerComponentOption<T> = T | string | ({default?: T} & Partial<Record<Component, T>>)

/**
 * A method parameter: `0.5`, a gradient `[0.2, 0.8]`, or per component and per module
 * `'0.5,vision=[0.1,0.3],self_attn=0.2'` (a name that is not a component is a module filter, matched
 * on the tensor's name as mergekit's `filter` is), or the same as an object
 * `{default: 0.5, vision: [0.1, 0.3], self_attn: 0.2}`.
 */
export type ParamOption = ParamValue | string | ({default?: ParamValue} & Record<string, ParamValue | undefined>)

/** An adapter given to one run: a file (JSON or YAML), or a definition. */
export type AdapterOption = string | AdapterDefinition

/** The CMAAM analysis: `merge`, `analyze` (and `hub merge`). Defaults as the commands' flags. */
export interface AnalysisOptions extends ReportingOptions, HubOptions {
  /** Fine-tuned model(s): folders or Hub repos `org/name[@revision]`. */
  source: string | string[]
  /** Base model: a folder or a Hub repo. */
  target: string
  strategy?: MergeStrategy
  baseAlpha?: number | string
  minAlpha?: number | string
  maxAlpha?: number | string
  /** Per-component α₀ of the component α: `{vision: 0.3}` or `'vision=0.3,bridge=0.5'`. */
  componentAlpha?: string | Partial<Record<Component, ParamValue>>
  /** An adapter name, or `auto` (detect from config.json, then the names). */
  modelType?: string
  adapter?: AdapterOption
  compat?: GroupingCompat
  seed?: number
  allowNonfinite?: boolean
  /** Merge a source of another model family than the target (tensors with matching names), with a warning, instead of refusing. */
  allowFamilyMismatch?: boolean
  threads?: number
  /** Where the spectra and LoRA products run: `auto` (default: cuda, else webgpu on a GPU, else cpu), `cpu`, `cuda`, `webgpu` (docs/devices.md). */
  device?: DeviceRequest
}

/** The merge method per component and its parameters (docs/methods.md). */
export interface MethodOptions {
  /** `'ties'`, `'ties,vision=keep-target'` or `{default: 'ties', vision: 'keep-target'}`. */
  method?: PerComponentOption<MethodName>
  /** Each parameter: a number, a gradient over the layers (`[0.2, 0.8]`), per component and per module filter: `'0.5,vision=[0.1,0.3],self_attn=0.2'` or `{default: 0.5, vision: [0.1, 0.3], self_attn: 0.2}`. */
  alpha?: ParamOption
  lambda?: ParamOption
  density?: ParamOption
  gamma?: ParamOption
  t?: ParamOption
  /** wᵢ of each source, in source order, each a number or a gradient: `[0.7, 0.3]`, `'0.7,0.3'` or `'[0.2,0.8],0.5'`. */
  weights?: Array<number | number[]> | string
  normalize?: boolean
  /** DARE's rescale of the kept entries: `density` (default), `l1` (mergekit ≥ 0.1) or `none`. */
  rescale?: RescaleMode
  alphaFrom?: 'cmaam'
}

export type AnalyzeOptions = AnalysisOptions & MethodOptions

export interface MergeOptions extends AnalysisOptions, MethodOptions {
  /** Folder for the merged model (written elsewhere, moved into place when complete). */
  output: string
  /** The Hub id (`org/name`) of a local `target` folder, for the model card's `base_model`. */
  targetId?: string
  /** The Hub ids of local `source` folders, in source order. */
  sourceId?: string | string[]
  analyze?: boolean
  saveAlphas?: boolean
  dtype?: 'keep' | 'bf16' | 'f16' | 'f32'
  /** Largest shard: bytes, or `'5GB'`, `'2GiB'`, … */
  shardSize?: number | string
  force?: boolean
  /** After the merge, write the merged weights into this ONNX export of the target (folder or Hub repo) as `onnx/`. */
  onnxTemplate?: string
  /** Precisions of `onnxTemplate` to write: `'fp32'` (default), `'q4,fp16'`, a list, or `'all'`. */
  onnxDtype?: string | OnnxDtype[]
}

export interface LoraMergeOptions extends ReportingOptions, HubOptions {
  /** The model the adapter was trained on: a folder or a Hub repo. */
  base: string
  /** PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors): a folder or a Hub repo. */
  adapter: string
  output: string
  dtype?: 'keep' | 'bf16' | 'f16' | 'f32'
  shardSize?: number | string
  force?: boolean
  allowNonfinite?: boolean
  threads?: number
  /** Where the LoRA products run: `auto` (default), `cpu`, `cuda`, `webgpu`. */
  device?: DeviceRequest
}

export interface InspectOptions extends HubOptions, Omit<ReportingOptions, 'onProgress'> {
  modelType?: string
  adapter?: AdapterOption
}

export interface OnnxApplyOptions extends ReportingOptions, HubOptions {
  /** Folder with the safetensors weights (e.g. a merged model). */
  weights: string
  /** ONNX export of the same architecture: a folder with onnx/, or a Hub repo. */
  template: string
  /** Default: onnx/ inside `weights`. */
  output?: string
  /** `'q4,fp16'`, `['q4', 'fp16']` or `'all'` (what the template has); default fp32. */
  dtype?: string | OnnxDtype[]
  allowUnmapped?: boolean
  modelType?: string
  force?: boolean
}

/** How cmaam asks OpenAI-compatible servers (`endpoint`, `serve`). */
export interface ServerOptions {
  /** Sent as the bearer token; default OPENAI_API_KEY. Never written to output, logs or results. */
  apiKey?: string
  /** Requests in flight (default 8). */
  concurrency?: number
  /** Seconds one request may take before it is retried (default 300). */
  requestTimeout?: number
  /** Retries of a 429/5xx, dropped connection or timeout, with backoff and Retry-After (default 5). */
  maxRetries?: number
  /** Seconds a started server may take to answer GET /v1/models (default 900). */
  serveTimeout?: number
}

export interface EvaluateOptions extends ReportingOptions, HubOptions, ServerOptions {
  /**
   * Model folders with onnx/ or Hub repos (transformers.js); with `serve`, folders or Hub repos with
   * safetensors; with `endpoint`, served model ids (optional when the server serves one).
   */
  model?: string | string[]
  /** API base of an OpenAI-compatible server that already serves the models, e.g. `http://host:8000/v1`. */
  endpoint?: string
  /** Start a server per model: `vllm`, `sglang`, `llama.cpp`, or a command template with `{model}`, `{model_id}`, `{port}`. */
  serve?: string
  /** JSONL test set. */
  data: string
  images?: string
  /** Default `eval_results`. */
  output?: string
  maxSamples?: number
  maxNewTokens?: number
  /** Where transformers.js runs the models: `auto` (default), `cpu`, `cuda`, `webgpu`. */
  device?: DeviceRequest
  dtype?: EvalDtype
  /** Part I of N, `'2/8'`. */
  shard?: string
  restart?: boolean
}

export interface CombineEvaluationsOptions {
  /** The output folders of `--shard I/N` runs. */
  combine: string[]
  /** Default `eval_results`. */
  output?: string
}

export interface ListAdaptersOptions {
  /** An adapter file or definition listed first, as `cmaam adapters list --adapter FILE`. */
  adapter?: AdapterOption
}

/** `cmaam hub merge`: the options of `merge`, Hub repos as inputs, and where to publish. */
export interface HubMergeOptions extends Omit<MergeOptions, 'source' | 'output'> {
  /** The fine-tune, `org/name[@revision]`. */
  source: string
  /** The base, `org/name[@revision]`. */
  target: string
  /** Hub repo to publish the merged model to, `org/name` (created when missing). */
  push: string
  /** Create the `push` repo private (an existing repo keeps its visibility). */
  private?: boolean
  /** Default: `Merge <source> into <target> with cmaam`. */
  commitMessage?: string
  /** Keep the merged model in this folder (default: a temporary folder, removed after the upload). */
  output?: string
}

export interface HubPullOptions extends ReportingOptions, HubOptions {
  /** `org/name[@revision]` (a branch, tag or commit). */
  model: string
}

export interface HubPushOptions extends ReportingOptions, HubOptions {
  /** A model folder written by `merge`. */
  dir: string
  /** `org/name`, created when missing. */
  repo: string
  /** Create the repo private (an existing repo keeps its visibility). */
  private?: boolean
  /** Default `Upload model merged with cmaam`. */
  commitMessage?: string
}

/** `cmaam experiment`: merges, linear baselines, ONNX exports, evaluations and the report. */
export interface ExperimentOptions extends Omit<AnalysisOptions, 'source' | 'target'>, MethodOptions, ServerOptions {
  /** Base model: a folder or a Hub repo. */
  base: string
  /** The fine-tune: a folder, a Hub repo, or a PEFT LoRA adapter folder. */
  finetuned: string
  /** Folder with test.jsonl, as `prepareData` writes it. */
  data: string
  /** Experiment folder: models/, eval/, charts/, report.md, report.json, experiment.json. */
  output: string
  /** ONNX export of the base (folder or Hub repo); default: the base, when it has onnx/. Not used with `serve`. */
  onnxTemplate?: string
  /** Evaluate every model through a server started for it: `vllm`, `sglang`, `llama.cpp`, or a command template with `{model}`, `{model_id}`, `{port}`. */
  serve?: string
  /** α of the linear baselines: `[0.3, 0.5]` or `'0.3,0.5'`; default `'0.3,0.5,0.7'`. */
  linearAlphas?: number[] | string
  /** More test sets: `'english=./en/test.jsonl'` or `{name, file}`. */
  extraData?: Array<string | {name: string; file: string}>
  /** Evaluate only the first N items of each test set. */
  maxSamples?: number
  /** Default 512. */
  maxNewTokens?: number
  /** ONNX variant written and evaluated; default fp32. */
  dtype?: EvalDtype
  /** Called when a step starts and when it ends (or is found done in an earlier run). */
  onStep?: (event: StepEvent) => void
}

/** `cmaam data prepare`: a JSONL corpus split into train/val/test by category. */
export interface PrepareDataOptions extends ReportingOptions {
  /** Corpus folder: JSONL files in label_v2/ (or at its top), images in images/. */
  source: string
  output: string
  /** `tiny`, `quick` or `full` (default): the caps below when they are not given. */
  mode?: PrepareMode
  maxPerCategory?: number
  totalMax?: number
  /** A JSON file mapping category → list of JSONL file names, or the map itself; default: the Korean VQA map. */
  categories?: string | CategoryMap
  validateImages?: boolean
  /** Default 42. */
  seed?: number
  force?: boolean
}

/** `cmaam example`: synthetic base/fine-tune pairs with each family's real names and files. */
export interface GenerateExampleOptions extends ReportingOptions {
  /** A family, a list of them, or `all` (default). */
  family?: ExampleFamily | 'all' | ExampleFamily[]
  /** Folder the pairs are written into (`<out>/<family>/{target,source}`); default `examples`. */
  out?: string
  /** Seed of the weights; default 0. */
  seed?: number
}
