import {CmaamError} from '../../errors'
import {COMPONENTS, type Component} from '../../models/types'
import type {ModuleFilter, ParamChoice, ParamValue} from '../../merge/methods/types'
import type {ParamOption} from '../types'
import {numberOption, paramValueOption, splitTopLevel} from './values'

/** Reads a ParamOption (api/types); values are range-checked later, by resolveMethods. */
export function paramOption(value: ParamOption, flag: string, fallback: number): ParamChoice {
  if (typeof value === 'number' || Array.isArray(value)) return {default: gradientOf(value as ParamValue, flag), components: {}}
  const parts =
    typeof value === 'string'
      ? splitTopLevel(value, flag).map((part) => splitEntry(part, flag))
      : Object.entries(value as Record<string, ParamValue | undefined>).flatMap(([name, v]) => (v === undefined ? [] : [{part: `${name}=${String(v)}`, name: name === 'default' ? null : name, text: v}]))
  const choice: {default: ParamValue; components: Partial<Record<Component, ParamValue>>; filters: ModuleFilter[]} = {default: fallback, components: {}, filters: []}
  let sawDefault = false
  for (const {part, name, text} of parts) {
    const parsed = typeof text === 'string' ? paramValueOption(text, name === null ? flag : `${flag} ${name}`) : gradientOf(text, flag)
    if (name === null) {
      if (sawDefault) throw badPart(part, flag)
      choice.default = parsed
      sawDefault = true
    } else if (COMPONENTS.includes(name as Component)) {
      if (name in choice.components) throw badPart(part, flag)
      choice.components[name as Component] = parsed
    } else {
      if (choice.filters.some((f) => f.module === name)) throw badPart(part, flag)
      choice.filters.push({module: name, value: parsed})
    }
  }
  return choice.filters.length > 0 ? choice : {default: choice.default, components: choice.components}
}

/** `--weights`: one value or gradient per source, `0.7,0.3`, `[0.2,0.8],0.5`, or a list. */
export function weightsOption(value: ParamValue[] | string, flag: string): ParamValue[] {
  if (typeof value !== 'string') return value.map((w) => gradientOf(w, flag))
  return splitTopLevel(value, flag).map((part) => paramValueOption(part, flag))
}

function splitEntry(part: string, flag: string): {part: string; name: string | null; text: string} {
  const equals = part.indexOf('=')
  if (equals < 0) return {part, name: null, text: part}
  const name = part.slice(0, equals).trim()
  const text = part.slice(equals + 1).trim()
  if (name === '' || text === '' || name.includes('[') || text.includes('=')) throw badPart(part, flag)
  return {part, name, text}
}

function gradientOf(value: ParamValue, flag: string): ParamValue {
  if (typeof value === 'number') return numberOption(value, flag)
  if (!Array.isArray(value) || value.length === 0) throw new CmaamError(`${flag}: a gradient needs at least one value`, {hint: `e.g. ${flag} [0.2,0.8]`})
  return value.map((v) => numberOption(v, flag))
}

function badPart(part: string, flag: string): CmaamError {
  return new CmaamError(`${flag}: "${part}" is not a value, <component>=<value> or <module>=<value>`, {
    hint: `Give one default, at most one value per component (${COMPONENTS.join(', ')}) and per module filter; a value is a number or a gradient, e.g. ${flag} 0.5,vision=[0.2,0.4],self_attn=0.3.`,
  })
}
