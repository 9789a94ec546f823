import {CmaamError} from '../errors'
import {compilePattern, PatternError, type Pattern} from '../io/patterns/compile-pattern'
import {COMPONENTS, type AdapterDefinition, type AdapterRule, type Component} from './types'

const NAME = /^[a-z0-9][a-z0-9_.-]*$/
const DEFINITION_FIELDS = new Set(['name', 'title', 'modelTypes', 'architectures', 'signatures', 'rules'])
const RULE_FIELDS = new Set(['component', 'match', 'layer', 'tower'])
const HINT =
  'An adapter definition is {name, title, modelTypes, architectures, signatures, rules}; each rule is ' +
  '{component: "vision" | "bridge" | "language" | "shared", match, layer?, tower?} with JavaScript regular ' +
  'expression sources, run on a linear-time engine (no backreferences or lookaround). See docs/adapters.md.'

/** Where in a definition a problem is: `['rules', 2, 'layer']`. */
export type DefinitionKey = Array<string | number>

/** A definition that cannot become an adapter; `key` says which field, so that a file reader can add its line. */
export class AdapterDefinitionError extends CmaamError {
  constructor(
    message: string,
    readonly key: DefinitionKey,
  ) {
    super(message, {hint: HINT})
  }
}

type Fail = (problem: string, key: DefinitionKey) => never

/**
 * Checks a definition that may come from a plugin or a file and returns a detached copy, so
 * later changes to the caller's object cannot change an adapter built from it.
 */
export function validateDefinition(input: unknown): AdapterDefinition {
  const label = labelOf(input)
  const fail: Fail = (problem, key) => {
    throw new AdapterDefinitionError(`${label}: ${problem}`, key)
  }

  if (!isRecord(input)) return fail('the definition is not an object', [])
  for (const key of Object.keys(input)) if (!DEFINITION_FIELDS.has(key)) fail(`unknown field "${key}"`, [key])
  if (typeof input.name !== 'string' || !NAME.test(input.name)) {
    fail('"name" must be lower-case letters, digits, "_", "-" or "." (it is the --model-type value)', ['name'])
  }

  if (typeof input.title !== 'string' || input.title.trim() === '') fail('"title" must be a non-empty string', ['title'])
  const modelTypes = stringList(input.modelTypes, 'modelTypes', fail)
  const architectures = stringList(input.architectures, 'architectures', fail)
  const signatures = stringList(input.signatures, 'signatures', fail)
  signatures.forEach((source, i) => compile(source, `signatures[${i}]`, ['signatures', i], fail))
  if (!Array.isArray(input.rules) || input.rules.length === 0) fail('"rules" must be a non-empty array', ['rules'])

  const rules = (input.rules as unknown[]).map((rule, i) => validateRule(rule, i, fail))
  return {name: input.name as string, title: input.title as string, modelTypes, architectures, signatures, rules}
}

function validateRule(rule: unknown, index: number, fail: Fail): AdapterRule {
  const where = `rule ${index + 1}`
  const at = (field?: string): DefinitionKey => (field === undefined ? ['rules', index] : ['rules', index, field])
  if (!isRecord(rule)) return fail(`${where} is not an object`, at())
  for (const key of Object.keys(rule)) if (!RULE_FIELDS.has(key)) fail(`${where} has unknown field "${key}"`, at(key))
  const component = rule.component
  if (typeof component !== 'string' || !(COMPONENTS as readonly string[]).includes(component)) {
    fail(`${where} has component ${JSON.stringify(component)}; expected one of ${COMPONENTS.join(', ')}`, at('component'))
  }

  if (typeof rule.match !== 'string') fail(`${where} has no "match" pattern`, at('match'))
  compile(rule.match as string, `${where} "match"`, at('match'), fail)
  const out: AdapterRule = {component: component as Component, match: rule.match as string}

  if (rule.layer !== undefined) {
    // Spec §1: bridge and shared parameters have no layer index, whatever a definition says.
    if (component === 'bridge' || component === 'shared') {
      fail(`${where} (${component}) has a "layer" pattern, but ${component} parameters have no layer index`, at('layer'))
    }

    out.layer = captureSource(rule.layer, `${where} "layer"`, at('layer'), fail)
  }

  if (rule.tower !== undefined) out.tower = captureSource(rule.tower, `${where} "tower"`, at('tower'), fail)
  return out
}

function captureSource(source: unknown, where: string, key: DefinitionKey, fail: Fail): string {
  if (typeof source !== 'string') return fail(`${where} is not a string`, key)
  const groups = compile(source, where, key, fail).groups
  if (groups !== 1) fail(`${where} must have exactly one capture group, it has ${groups}`, key)
  return source
}

function compile(source: string, where: string, key: DefinitionKey, fail: Fail): Pattern {
  try {
    return compilePattern(source, {anchor: 'search', syntax: 'javascript', where})
  } catch (error) {
    if (!(error instanceof PatternError)) throw error
    return fail(`${where} "${source}" is not a usable regular expression (${error.reason})`, key)
  }
}

function stringList(value: unknown, field: string, fail: Fail): string[] {
  if (!Array.isArray(value)) return fail(`"${field}" must be an array of strings`, [field])
  const bad = value.findIndex((item) => typeof item !== 'string')
  if (bad >= 0) fail(`"${field}" must be an array of strings`, [field, bad])
  return [...(value as string[])]
}

function labelOf(input: unknown): string {
  const name = isRecord(input) ? input.name : undefined
  return typeof name === 'string' && name !== '' ? `adapter "${name}"` : 'adapter definition'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
