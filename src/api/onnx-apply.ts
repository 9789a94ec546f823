import {resolveOnnxTemplate} from '../onnx/resolve-onnx-template'
import {applyOnnx} from '../onnx/apply-onnx'
import {onnxDtypesOption} from './options/onnx-dtypes'
import type {OnnxApplyReport} from '../onnx/types'
import {libraryContext, type RunContext} from './context'
import {OPTION_DEFAULTS} from './options/defaults'
import type {OnnxApplyOptions} from './types'

/**
 * Writes the safetensors `weights` (e.g. a merged model) into the ONNX export `template` of the
 * same architecture: what `cmaam onnx apply` does, resolving to the report it prints with `--json`.
 */
export function onnxApply(options: OnnxApplyOptions): Promise<OnnxApplyReport> {
  return onnxApplyWith(options, libraryContext(options))
}

export async function onnxApplyWith(options: OnnxApplyOptions, context: RunContext): Promise<OnnxApplyReport> {
  const dtype = options.dtype ?? OPTION_DEFAULTS.onnxDtype
  const dtypes = onnxDtypesOption(dtype, '--dtype')
  const template = await resolveOnnxTemplate({ref: options.template, dtypes, weightsDir: options.weights, settings: context.hub, progress: context.progress})
  return applyOnnx({
    weights: options.weights,
    template: template.dir,
    templateLabel: template.label,
    output: options.output,
    dtypes,
    allowUnmapped: options.allowUnmapped ?? false,
    force: options.force ?? false,
    modelType: options.modelType ?? OPTION_DEFAULTS.modelType,
    progress: context.progress,
  })
}
