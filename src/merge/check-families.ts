import {CmaamError} from '../errors'
import {detectAdapter} from '../models/detect-adapter'

/** One side of a merge, as the family check sees it. */
export interface FamilyInput {
  label: string
  config: Record<string, unknown> | null
  names: string[]
}

export interface CheckFamiliesOptions {
  source: FamilyInput
  target: FamilyInput
  /** `--allow-family-mismatch`: a mismatch is a warning instead of an error. */
  allowMismatch: boolean
  warn?: (message: string) => void
}

/** config.json keys that describe a vision tower (Qwen2-VL, LLaVA, CogVLM, mPLUG-Owl, LLaVA-1.5 code bases). */
const VISION_CONFIG_KEYS = ['vision_config', 'visual', 'visual_config', 'vision_tower', 'mm_vision_tower', 'vision_tower_cfg', 'image_size']

/**
 * Whether a model is a true text-only LLM: its config.json describes no vision tower and no tensor
 * is a vision or bridge tensor under its own family's rules. Read from the model itself, never from
 * how well its names match another model's.
 */
export function isTextOnlyModel(model: FamilyInput): boolean {
  if (model.config === null) return false
  if (VISION_CONFIG_KEYS.some((key) => model.config![key] !== undefined && model.config![key] !== null)) return false
  const {adapter} = detectAdapter({config: model.config, names: model.names})
  return !model.names.some((name) => {
    const {component} = adapter.classify(name)
    return component === 'vision' || component === 'bridge'
  })
}

/**
 * Refuses a source of another family than the target (by the adapter each one's config.json and
 * names select, then model_type and architectures): its tensors would be merged with unrelated
 * ones by name. A text-only source is recognised by `isTextOnlyModel` and passes (it is merged into
 * the language model). Differing model_type or architectures within one family is a warning.
 * Returns whether the source is a text-only LLM.
 */
export function checkFamilies(options: CheckFamiliesOptions): {textSource: boolean} {
  const {source, target} = options
  if (!isTextOnlyModel(target) && isTextOnlyModel(source)) return {textSource: true}
  const detected = {source: detectAdapter(source), target: detectAdapter(target)}
  // A model no family recognises cannot be compared (the merge itself refuses an unknown target).
  if (detected.source.fallback || detected.target.fallback) return {textSource: false}
  const describe = (model: FamilyInput, family: string): string => {
    const parts = [typeof model.config?.model_type === 'string' ? `model_type "${model.config.model_type}"` : null, architectures(model.config).join(', ') || null].filter(Boolean)
    return `${model.label} is ${family}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`
  }
  const families = {source: detected.source.adapter.name, target: detected.target.adapter.name}
  if (families.source !== families.target) {
    const message = `The source and target are different model families: ${describe(source, families.source)}, ${describe(target, families.target)}`
    if (!options.allowMismatch) {
      throw new CmaamError(message, {
        hint: 'Merge a fine-tune of the target (a text-only LLM of its language model also works); --allow-family-mismatch merges the tensors whose names match anyway.',
      })
    }
    options.warn?.(`Warning: ${message}; merging the tensors whose names match (--allow-family-mismatch).`)
    return {textSource: false}
  }
  const differs = source.config?.model_type !== target.config?.model_type || architectures(source.config).join() !== architectures(target.config).join()
  if (differs && source.config !== null && target.config !== null) {
    options.warn?.(`Warning: the source and target are different ${families.target} models: ${describe(source, families.source)}, ${describe(target, families.target)}; check that the source is a fine-tune of the target.`)
  }
  return {textSource: false}
}

function architectures(config: Record<string, unknown> | null): string[] {
  return Array.isArray(config?.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : []
}
