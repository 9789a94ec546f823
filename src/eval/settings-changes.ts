import type {EvalSettings} from './types'

/** Settings that differ between two runs, as `key a → b`; `endpoint` may change between runs. */
export function settingsChanges(before: EvalSettings, after: EvalSettings, arrow = '→'): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => key !== 'endpoint') as (keyof EvalSettings)[]
  return keys.filter((key) => before[key] !== after[key]).map((key) => `${key} ${before[key] ?? '(none)'} ${arrow} ${after[key] ?? '(none)'}`)
}
