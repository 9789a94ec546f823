// The library: the functions the commands run, resolving to what they print with --json.
export {analyze, type AnalyzeRecord} from './api/analyze'
export {defineAdapter, listAdapters, registerAdapter, type AdapterInfo} from './api/adapters'
export {combineEvaluations, evaluate, type CombinedEvaluation} from './api/evaluate'
export {experiment} from './api/experiment'
export {generateExample, type ExamplePair} from './api/generate-example'
export {hubMerge, type HubMergeResult, type HubModelPin} from './api/hub-merge'
export {hubPull, type HubPullResult} from './api/hub-pull'
export {hubPush, type HubPushResult} from './api/hub-push'
export {inspect} from './api/inspect'
export {loraMerge} from './api/lora-merge'
export {merge} from './api/merge'
export {onnxApply} from './api/onnx-apply'
export {prepareData} from './api/prepare-data'
export type {
  AdapterOption,
  AnalysisOptions,
  AnalyzeOptions,
  CombineEvaluationsOptions,
  EvaluateOptions,
  ExperimentOptions,
  GenerateExampleOptions,
  HubMergeOptions,
  HubOptions,
  HubPullOptions,
  HubPushOptions,
  InspectOptions,
  ListAdaptersOptions,
  LoraMergeOptions,
  MergeOptions,
  MethodOptions,
  OnnxApplyOptions,
  ParamOption,
  PerComponentOption,
  PrepareDataOptions,
  ProgressEvent,
  ReportingOptions,
  ServerOptions,
} from './api/types'
export {CmaamError, type CmaamErrorCode} from './errors'
// Which device `device: 'auto'` would pick here, and why (without running anything else).
export {resolveDevice, type ResolvedDevice} from './compute/device/resolve-device'
export type {Device, DeviceProbe, DeviceRequest} from './compute/device/device'

// What they return, and what an adapter is.
export type {EvalRun, ModelEvaluation} from './eval/run-eval'
export type {EvalMetrics} from './eval/types'
export type {ExperimentReport, StepEvent} from './experiment/types'
export type {DataMetadata, PrepareDataRecord} from './data/prepare-data'
export type {HubInspectReport} from './inspect/inspect-hub-model'
export type {InspectedTensor, InspectReport} from './inspect/inspect-model'
export type {AnalysisRecord} from './merge/run-analysis'
export type {AdapterDefinition, AdapterOrigin, AdapterRule, Component} from './models'
export type {OnnxApplyReport, OnnxFileReport, OnnxInitializerRecord} from './onnx/types'
export type {ComponentMethodRecord, MergeRecord} from './report/merge-record'
export type {ParamValue, RescaleMode} from './merge/methods/types'
export type {LoraMergeRecord} from './report/lora-merge-record'

// Building blocks for evaluation set-ups: ONNX protobuf, the metrics, transformers.js loading, tiny test models.
export * from './io/onnx-proto'
export {containsMatch, exactMatch} from './eval/metrics'
export {loadTransformersModel} from './eval/load-transformers-model'
export {generateAnswerPair} from './example/generate-answer-pair'
export {writeQwen2VLOnnx} from './example/qwen2vl-onnx/write-qwen2vl-onnx'
export {ONNX_DTYPES, ONNX_DTYPE_SUFFIXES, type OnnxDtype} from './onnx/onnx-variants'
