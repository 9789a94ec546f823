import {COMPONENTS, type Component} from '../../models/types'
import type {ComponentMethodRecord} from '../../report/merge-record'
import type {ResolvedMethods} from './resolve-methods'

/** What the record, card and `analyze` say about each component's method. */
export function methodRecords(methods: ResolvedMethods): Record<Component, ComponentMethodRecord> {
  const records = {} as Record<Component, ComponentMethodRecord>
  for (const component of COMPONENTS) {
    const {method, params} = methods.components[component]
    const fromCmaam = method.needsAnalysis || (methods.alphaFrom === 'cmaam' && method.weightParam !== null)
    records[component] = {
      method: method.name,
      params: Object.fromEntries(method.params.filter((p) => !(fromCmaam && p === method.weightParam)).map((p) => [p, params[p]])),
      ...(method.weighted ? {weights: params.weights, normalize: params.normalize} : {}),
      ...(fromCmaam ? {alpha_from_cmaam: true} : {}),
    }
  }
  return records
}
