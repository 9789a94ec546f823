import {writeFileSynced} from '../io/output/write-file-synced'

/**
 * Writes `value` as indented strict JSON and fsyncs it. JSON.stringify would silently turn NaN and
 * Infinity into null; a non-finite number here is a bug, so it throws instead.
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFileSynced(path, strictJson(value) + '\n')
}

export function strictJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (key, v) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`non-finite number at "${key}" in a JSON report`)
      return v
    },
    indent,
  )
}
