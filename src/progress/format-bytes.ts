const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']

/** `1234567` → `1.23 MB`: decimal units, as the Hub shows file sizes. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${UNITS[unit]}`
}
