/** A parameter's values as float32, row-major. */
export interface WeightTensor {
  shape: number[]
  values: Float32Array
}

/** Looks up a checkpoint parameter by its full name (`model.layers.0.self_attn.q_proj.weight`). */
export type WeightLookup = (name: string) => WeightTensor

/** The sizes a Qwen2-VL graph needs, read from config.json and the weights' shapes. */
export interface Qwen2VLShape {
  vocab: number
  hidden: number
  intermediate: number
  layers: number
  heads: number
  kvHeads: number
  headDim: number
  rmsNormEps: number
  visionHidden: number
  visionLayers: number
  visionHeads: number
  patchSize: number
  temporalPatchSize: number
  mergeSize: number
  /** Whether the checkpoint has its own `lm_head.weight` (else it is tied to the embeddings). */
  lmHead: boolean
}
