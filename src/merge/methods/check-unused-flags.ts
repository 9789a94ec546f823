import {CmaamError} from '../../errors'
import {COMPONENTS, type Component} from '../../models/types'
import {MERGE_METHODS} from './registry'
import {METHOD_NAMES, PARAM_NAMES, type MergeMethod, type MethodName, type PerComponent} from './types'

/** A method flag that is given, and which methods read it (new parameters join through PARAM_NAMES). */
interface GivenFlag {
  flag: string
  takes: (method: MergeMethod) => boolean
}

/**
 * Refuses a method flag that no component's method reads (`--alpha` with `--method ties`,
 * `--density` with cmaam): it would be ignored without a word. The error names the flag, the
 * method(s) it was given to, and the methods that take it; the hint, where the method has one, the
 * flag that does what was likely meant (ties: `--lambda`). Per-component values are checked where
 * they are resolved (with them, the default may be the implicit one); --rescale is checked there too.
 */
export function checkUnusedFlags(settings: {
  method: PerComponent<MethodName>
  params: Partial<Record<string, {components: Partial<Record<Component, unknown>>}>>
  weights: readonly unknown[] | null
  normalize: boolean | null
  alphaFrom: string | null
}): void {
  const methodOf = (c: Component): MergeMethod => MERGE_METHODS[settings.method.components[c] ?? settings.method.default]
  const given: GivenFlag[] = []
  for (const param of PARAM_NAMES) {
    const choice = settings.params[param]
    if (!choice || Object.keys(choice.components).length > 0) continue
    given.push({flag: `--${param}`, takes: (m) => m.params.includes(param)})
  }
  if (settings.weights !== null) given.push({flag: '--weights', takes: (m) => m.weighted})
  if (settings.normalize !== null) given.push({flag: settings.normalize ? '--normalize' : '--no-normalize', takes: (m) => m.weighted})
  if (settings.alphaFrom !== null) given.push({flag: '--alpha-from', takes: (m) => m.weightParam !== null && m.name !== 'cmaam'})

  for (const {flag, takes} of given) {
    const methods = [...new Set(COMPONENTS.map(methodOf))]
    if (methods.some(takes)) continue
    const taking = METHOD_NAMES.map((name) => MERGE_METHODS[name]).filter(takes).map((m) => m.name)
    const names = methods.map((m) => m.name)
    const to = names.length === 1 ? names[0] : `every component's method (${names.join(', ')})`
    // A weight flag of another method (--alpha of linear) has a counterpart in methods with their own (--lambda of ties).
    const isWeight = METHOD_NAMES.some((name) => `--${MERGE_METHODS[name].weightParam}` === flag)
    const counterparts = isWeight ? methods.filter((m) => m.weightParam !== null && m.params.includes(m.weightParam)).map((m) => `use --${m.weightParam} with ${m.name}`) : []
    const alternatives = methods.filter((m) => m.params.length > 0).map((m) => `${m.name} takes ${m.params.map((p) => `--${p}`).join(', ')}`)
    const advice = counterparts.length > 0 ? counterparts : alternatives
    throw new CmaamError(`${flag} is ignored by ${to}: it is taken by ${taking.join(', ')}`, {
      hint: advice.length > 0 ? `Leave ${flag} out or choose a method that takes it; ${advice.join('; ')}.` : `Leave ${flag} out or choose a method that takes it (docs/methods.md).`,
    })
  }
}
