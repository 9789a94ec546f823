import type {ParamChoice, ParamSetting, ParamValue} from './types'

/** A value in flag syntax: `0.5`, or a gradient `[0.2,0.5,0.8]`. */
export function formatParamValue(value: ParamValue): string {
  return typeof value === 'number' ? String(value) : `[${value.join(',')}]`
}

/** How records show a setting: the number itself, or the flag text of a gradient and its filters (`[0.2,0.8],self_attn=0.3`). */
export function paramRecord(setting: ParamSetting): number | string {
  if (typeof setting.value === 'number' && setting.filters.length === 0) return setting.value
  return [formatParamValue(setting.value), ...setting.filters.map((f) => `${f.module}=${formatParamValue(f.value)}`)].join(',')
}

/** A choice as the flag takes it (`0.5,vision=[0.1,0.3],self_attn=0.2`): what cmaam_config.yaml records. */
export function formatParamChoice(choice: ParamChoice): string {
  const components = Object.entries(choice.components).map(([c, v]) => `${c}=${formatParamValue(v as ParamValue)}`)
  const filters = (choice.filters ?? []).map((f) => `${f.module}=${formatParamValue(f.value)}`)
  return [formatParamValue(choice.default), ...components, ...filters].join(',')
}
