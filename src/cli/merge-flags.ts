import {Flags} from '@oclif/core'
import {OPTION_DEFAULTS as D} from '../api/options/defaults'
import {MERGE_DTYPES} from '../api/options/merge-settings'
import {mergeDeviceFlag} from './device-flag'
import {MERGE_STRATEGIES} from '../merge/analysis/types'
import {PARAM_DEFAULTS} from '../merge/methods/resolve-methods'
import {METHOD_NAMES, RESCALE_MODES} from '../merge/methods/types'

/** Flags of the CMAAM analysis, shared by `merge`, `analyze` and `hub merge`. */
export const analysisFlags = {
  strategy: Flags.string({description: 'How α is chosen per tensor: basic (one α from the overall alignment), layerwise, component, or full (their mean); see docs/method.md.', options: [...MERGE_STRATEGIES], default: D.strategy}),
  'base-alpha': Flags.string({description: 'Base merge coefficient α₀ in [0, 1].', default: String(D.baseAlpha)}),
  'min-alpha': Flags.string({description: 'Lower clamp of every per-tensor α.', default: String(D.minAlpha)}),
  'max-alpha': Flags.string({description: 'Upper clamp of every per-tensor α.', default: String(D.maxAlpha)}),
  'component-alpha': Flags.string({description: 'Per-component α₀ for the component α, each a number or a gradient over the component\'s layers, e.g. vision=0.3,bridge=0.5,language=[0.2,0.5].'}),
  'model-type': Flags.string({description: 'Adapter that maps parameter names to components (auto: detect from config.json, then names).', default: D.modelType}),
  compat: Flags.string({description: 'Layer grouping: per-tower (default) or the reference implementation’s bare layer numbers.', options: ['default', 'reference'], default: D.compat}),
  seed: Flags.integer({description: 'Seed of the PDA sampling and spectra: same inputs and seed give byte-identical outputs.', default: D.seed, min: 0}),
  'allow-nonfinite': Flags.boolean({description: 'Do not fail on NaN/Inf weights (they are left out of the scores).'}),
  'allow-family-mismatch': Flags.boolean({description: 'Merge a source of another model family than the target (its tensors whose names match) instead of refusing.'}),
  threads: Flags.integer({description: 'Compute threads.', default: D.threads, min: 1}),
  device: mergeDeviceFlag,
}

/** Flags of every command that can reach the Hugging Face Hub. */
export const hubFlags = {
  token: Flags.string({
    description: 'Hugging Face access token (default: HF_TOKEN, else the token file HF_TOKEN_PATH or HF_HOME/token). Never printed or written.',
    helpGroup: 'HUB',
  }),
}

const perComponent = (what: string): string =>
  `${what}; one value or a gradient over the layers [0.2,0.8], per component and per module filter: 0.5,vision=[0.1,0.3],self_attn=0.2 (see docs/methods.md).`

/** Flags that choose the merge method and its parameters, per component: `merge`, `hub merge`, and `analyze` (which shows the choice). */
export const methodFlags = {
  method: Flags.string({
    description: `Merge method, one for all components or per component, e.g. ties,vision=keep-target,bridge=slerp: ${METHOD_NAMES.join(', ')} (docs/methods.md).`,
    default: D.method,
  }),
  alpha: Flags.string({description: perComponent(`α of --method linear, in [0, 1] (default ${PARAM_DEFAULTS.alpha})`)}),
  lambda: Flags.string({description: perComponent(`λ, the scale of the mixed task vector of task_arithmetic, ties, dare_linear, dare_ties, breadcrumbs (default ${PARAM_DEFAULTS.lambda})`)}),
  density: Flags.string({description: perComponent(`Fraction of each task vector kept by ties, dare_*, breadcrumbs, in (0, 1] (default ${PARAM_DEFAULTS.density}: nothing dropped)`)}),
  gamma: Flags.string({description: perComponent(`Fraction of largest entries breadcrumbs drops, in [0, 1] (default ${PARAM_DEFAULTS.gamma})`)}),
  t: Flags.string({description: perComponent(`SLERP position from target (0) to source (1) (default ${PARAM_DEFAULTS.t})`)}),
  weights: Flags.string({description: 'Weight wᵢ of each --source for the task-vector methods, in --source order, each a number or a gradient over the layers, e.g. 0.7,0.3 or [0.2,0.8],0.5 (default 1 each).'}),
  rescale: Flags.string({
    description: 'How dare_linear and dare_ties rescale the entries they keep: density (÷ density, the DARE paper; default), l1 (× ‖Δ‖₁/‖kept‖₁ per tensor, mergekit ≥ 0.1) or none.',
    options: [...RESCALE_MODES],
  }),
  normalize: Flags.boolean({description: 'Divide the mixed task vector by the sum of the weights (default: on for ties, off for the others, as mergekit).', allowNo: true}),
  'alpha-from': Flags.string({description: "Use each tensor's CMAAM α as its method's α (linear), t (slerp) or λ (task-vector methods).", options: ['cmaam']}),
}

/** Flags that only a merge has. */
export const mergeOnlyFlags = {
  output: Flags.string({char: 'o', description: 'Folder for the merged model (written elsewhere, moved into place when complete).', required: true}),
  ...methodFlags,
  analyze: Flags.boolean({description: 'Write cmaam_analysis_report.json (with --method linear: also run the analysis).'}),
  'save-alphas': Flags.boolean({description: 'Write cmaam_alphas.json with the α of every tensor.'}),
  dtype: Flags.string({description: 'dtype of merged float tensors (keep: each tensor keeps its own).', options: MERGE_DTYPES, default: D.dtype}),
  'shard-size': Flags.string({description: 'Largest shard, e.g. 5GB, 500MB, 2GiB.', default: D.shardSize}),
  force: Flags.boolean({description: 'Replace an existing, non-empty output folder.'}),
  'onnx-template': Flags.string({description: 'After the merge, write the merged weights into this ONNX export of the target (a folder, or Hub repo org/name[@revision]) as onnx/, for transformers.js (see `cmaam onnx apply`).', helpGroup: 'ONNX'}),
  'onnx-dtype': Flags.string({description: 'Precisions of --onnx-template to write: fp32, fp16, q8, q4, q4f16 (comma-separated), or all.', default: 'fp32', helpGroup: 'ONNX'}),
}
