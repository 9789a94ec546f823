import {CmaamError} from '../errors'
import {compilePattern, type Pattern} from '../io/patterns/compile-pattern'
import {RULE_ORDER, type AdapterDefinition, type AdapterOrigin, type AdapterRule, type Component, type ModelTypeAdapter, type ParamClass, type RuleMatch} from './types'
import {validateDefinition} from './validate-definition'

interface CompiledRule {
  source: RuleMatch
  component: Component
  match: Pattern
  layer: Pattern | null
  tower: Pattern | null
}

/**
 * Turns a declarative definition into an adapter. Rules are compiled once and tried in the order
 * bridge → shared → vision → language (rules of one component in their listed order); the first
 * rule whose `match` matches at the start of the name decides. Its `layer` and `tower` patterns are
 * searched anywhere in the name, so they anchor themselves with `^` where that matters.
 */
export function createAdapter(definition: AdapterDefinition, options: {origin?: AdapterOrigin} = {}): ModelTypeAdapter {
  const checked = deepFreeze(validateDefinition(definition))
  const compile = (rule: AdapterRule, index: number): CompiledRule => {
    const where = `adapter "${checked.name}" rule ${index + 1}`
    const pattern = (source: string, field: string, anchor: 'start' | 'search'): Pattern =>
      compilePattern(source, {anchor, syntax: 'javascript', where: `${where} "${field}"`})
    const match = pattern(rule.match, 'match', 'start')
    // Anchored at the start, a pattern that accepts the empty name accepts every name.
    return {
      source: {rule, index, catchAll: match.test('')},
      component: rule.component,
      match,
      layer: rule.layer === undefined ? null : pattern(rule.layer, 'layer', 'search'),
      tower: rule.tower === undefined ? null : pattern(rule.tower, 'tower', 'search'),
    }
  }
  const rules: CompiledRule[] = RULE_ORDER.flatMap((component) =>
    checked.rules.map(compile).filter((rule) => rule.component === component),
  )

  const layerOf = (rule: CompiledRule, name: string): number | null => {
    const captured = rule.layer?.capture(name)
    if (captured === undefined) return null
    if (!/^\d+$/.test(captured)) {
      throw new CmaamError(
        `adapter "${checked.name}": the layer pattern captured "${captured}" from "${name}", ` +
          'which is not a block number',
        {hint: String.raw`The capture group of a "layer" pattern must match digits only, as in \.layers\.(\d+)\.`},
      )
    }

    return Number(captured)
  }

  return {
    name: checked.name,
    title: checked.title,
    definition: checked,
    origin: deepFreeze({...(options.origin ?? {kind: 'code'})}),
    rules: Object.freeze(rules.map((rule) => Object.freeze(rule.source))),
    ruleFor(name: string): RuleMatch | null {
      return rules.find((candidate) => candidate.match.test(name))?.source ?? null
    },
    classify(name: string): ParamClass {
      const rule = rules.find((candidate) => candidate.match.test(name))
      if (rule === undefined) return {component: 'language', layer: null, tower: null}
      return {component: rule.component, layer: layerOf(rule, name), tower: rule.tower?.capture(name) ?? null}
    },
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }

  return value
}
