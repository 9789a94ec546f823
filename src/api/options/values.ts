import {CmaamError} from '../../errors'
import {COMPONENTS, type Component} from '../../models/types'
import type {ParamValue, PerComponent} from '../../merge/methods/types'

/** A number given as a number or as the text of a flag. */
export function numberOption(value: number | string, flag: string): number {
  const number = typeof value === 'number' ? value : Number(value)
  if ((typeof value === 'string' && value.trim() === '') || !Number.isFinite(number)) throw new CmaamError(`${flag} must be a number, got "${value}"`)
  return number
}

/** A whole number of at least `min` (oclif checks the flag; a library caller gets the same check). */
export function integerOption(value: number, flag: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new CmaamError(`${flag} must be an integer of at least ${min}, got ${String(value)}`)
  return value
}

/** One of a fixed set of values. */
export function choiceOption<T extends string>(value: string, flag: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) throw new CmaamError(`${flag} must be one of ${choices.join(', ')}, got "${value}"`)
  return value as T
}

/** One model or several. */
export function listOption(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

/** `vision=0.3,language=[0.2,0.5]` or `{vision: 0.3, language: [0.2, 0.5]}` → per-component α₀, each a number or a gradient over the component's layers. */
export function componentAlphaOption(value: string | Partial<Record<Component, ParamValue>>): Partial<Record<Component, ParamValue>> {
  const entries =
    typeof value === 'string'
      ? splitTopLevel(value, '--component-alpha').map((part) => [part, ...part.split('=').map((s) => s.trim())])
      : Object.entries(value).filter(([, v]) => v !== undefined).map(([name, v]) => [`${name}=${String(v)}`, name, Array.isArray(v) ? `[${v.join(',')}]` : String(v)])
  const result: Partial<Record<Component, ParamValue>> = {}
  for (const [part, name, text, extra] of entries) {
    if (!COMPONENTS.includes(name as Component) || text === undefined || extra !== undefined) {
      throw new CmaamError(`--component-alpha: "${part}" is not <component>=<alpha>`, {hint: `Components: ${COMPONENTS.join(', ')}; e.g. --component-alpha vision=0.3,language=[0.2,0.5]`})
    }
    result[name as Component] = paramValueOption(text, `--component-alpha ${name}`)
  }
  return result
}

/**
 * `ties,vision=keep-target`, `0.5,bridge=0.3`, a single value, or `{default, vision, …}`: a default
 * (else `fallback`) and per-component values, each read by `parse`.
 */
export function perComponentOption<T>(value: unknown, flag: string, fallback: T, parse: (value: string, where: string) => T): PerComponent<T> {
  if (typeof value === 'number') return {default: parse(String(value), flag), components: {}}
  if (typeof value === 'string') return parsePerComponent(value, flag, fallback, parse)
  const parts = Object.entries(value as Record<string, unknown>).map(([name, v]) => (name === 'default' ? String(v) : `${name}=${String(v)}`))
  return parsePerComponent(parts.join(','), flag, fallback, parse)
}

function parsePerComponent<T>(text: string, flag: string, fallback: T, parse: (value: string, where: string) => T): PerComponent<T> {
  const choice: PerComponent<T> = {default: fallback, components: {}}
  let sawDefault = false
  for (const part of text.split(',').map((p) => p.trim())) {
    const [name, value, extra] = part.split('=').map((s) => s.trim())
    if (value === undefined && !sawDefault && name !== '') {
      choice.default = parse(name, flag)
      sawDefault = true
      continue
    }
    if (!COMPONENTS.includes(name as Component) || value === undefined || value === '' || extra !== undefined || name in choice.components) {
      throw new CmaamError(`${flag}: "${part}" is not a value or <component>=<value>`, {
        hint: `Give one default and at most one value per component (${COMPONENTS.join(', ')}), e.g. ${flag} ${flag === '--method' ? 'ties,vision=keep-target' : '0.5,vision=0.2'}.`,
      })
    }
    choice.components[name as Component] = parse(value, `${flag} ${name}`)
  }
  return choice
}

/** Splits at the commas outside brackets: `0.5,vision=[0.1,0.3]` → `0.5`, `vision=[0.1,0.3]`. */
export function splitTopLevel(text: string, flag: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '[') depth++
    else if (c === ']') depth--
    if (depth < 0 || depth > 1) break
    if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  if (depth !== 0) throw new CmaamError(`${flag}: unbalanced brackets in "${text}"`, {hint: `A gradient is a list of values in brackets, e.g. ${flag} [0.2,0.5,0.8].`})
  parts.push(text.slice(start).trim())
  return parts
}

/** `0.5` or `[0.2, 0.5, 0.8]`. */
export function paramValueOption(text: string, flag: string): ParamValue {
  const trimmed = text.trim()
  if (!trimmed.startsWith('[')) return numberOption(trimmed, flag)
  if (!trimmed.endsWith(']')) throw new CmaamError(`${flag}: "${text}" is not a value or a gradient [v0,…,vk]`)
  const inner = trimmed.slice(1, -1).trim()
  if (inner === '') throw new CmaamError(`${flag}: a gradient needs at least one value, got []`, {hint: `e.g. ${flag} [0.2,0.8]`})
  return inner.split(',').map((v) => numberOption(v.trim(), flag))
}
