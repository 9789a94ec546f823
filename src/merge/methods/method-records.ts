import {COMPONENTS, type Component} from '../../models/types'
import type {ComponentMethodRecord} from '../../report/merge-record'
import {formatParamValue, paramRecord} from './format-param'
import type {ResolvedMethods} from './resolve-methods'

/** What the record, card and `analyze` say about each component's method. */
export function methodRecords(methods: ResolvedMethods): Record<Component, ComponentMethodRecord> {
  const records = {} as Record<Component, ComponentMethodRecord>
  for (const component of COMPONENTS) {
    const {method, params} = methods.components[component]
    const fromCmaam = method.needsAnalysis || (methods.alphaFrom === 'cmaam' && method.weightParam !== null)
    records[component] = {
      method: method.name,
      params: Object.fromEntries(method.params.filter((p) => !(fromCmaam && p === method.weightParam)).map((p) => [p, paramRecord(params[p])])),
      ...(method.weighted ? {weights: params.weights.map((w) => (typeof w === 'number' ? w : formatParamValue(w))), normalize: params.normalize} : {}),
      ...(method.rescales ? {rescale: params.rescale} : {}),
      ...(fromCmaam ? {alpha_from_cmaam: true} : {}),
    }
  }
  return records
}
