/** The four parts of a vision-language model that CMAAM scores and merges separately. */
export type Component = 'vision' | 'bridge' | 'language' | 'shared'

/** Report order; also the order in which adapter rules are tried (spec §1): bridge, shared, vision, language. */
export const COMPONENTS: readonly Component[] = ['vision', 'bridge', 'language', 'shared']
export const RULE_ORDER: readonly Component[] = ['bridge', 'shared', 'vision', 'language']

/** Where one parameter sits in the model. */
export interface ParamClass {
  component: Component
  /** Block index within its own tower (vision blocks and decoder layers count separately); null when the tensor is not in a numbered block. */
  layer: number | null
  /** Distinguishes towers of one component (e.g. a model with two vision towers); null for the usual single tower. */
  tower: string | null
}

/**
 * One classification rule. JSON-serialisable on purpose: declarative adapter files and plugins
 * provide the same shape.
 */
export interface AdapterRule {
  component: Component
  /** Regular expression source, matched against the start of the parameter name (it is anchored with ^). */
  match: string
  /** Regular expression source with one capture group: the block index within the tower. */
  layer?: string
  /** Regular expression source with one capture group: the tower id, for models with several towers of one component. */
  tower?: string
}

export interface AdapterDefinition {
  /** Adapter name used by `--model-type` (e.g. `qwen2vl`). */
  name: string
  /** Human-readable family name (e.g. `Qwen2-VL / Qwen2.5-VL`). */
  title: string
  /** `config.json` `model_type` values this adapter claims. */
  modelTypes: string[]
  /** `config.json` `architectures` entries this adapter claims. */
  architectures: string[]
  /** Regular expressions (unanchored sources); a model whose names match one of these is recognised without a config. */
  signatures: string[]
  rules: AdapterRule[]
}

/** Where an adapter comes from: cmaam itself, an oclif plugin, a `--adapter` file, or a `registerAdapter` call. */
export type AdapterOrigin = {kind: 'built-in'} | {kind: 'plugin'; plugin: string} | {kind: 'file'; path: string} | {kind: 'code'}

/** The rule that decided a name: its position in the definition's `rules`, and whether it matches every name. */
export interface RuleMatch {
  rule: AdapterRule
  index: number
  /** The rule's `match` accepts any name (e.g. `.*` or `(?:model\.)?`): it decides by default, not by recognising the name. */
  catchAll: boolean
}

export interface ModelTypeAdapter {
  readonly name: string
  readonly title: string
  readonly definition: AdapterDefinition
  readonly origin: AdapterOrigin
  /** The definition's rules in the order they are tried (bridge → shared → vision → language). */
  readonly rules: readonly RuleMatch[]
  classify(name: string): ParamClass
  /** The rule that classifies this name, or null when none does (the name then counts as language). */
  ruleFor(name: string): RuleMatch | null
}
