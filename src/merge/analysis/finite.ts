/**
 * Throws when `value` holds a number that strict JSON cannot carry (NaN, ±Infinity). The analysis
 * guards every division, so this only fires on a bug; better to stop than to write invalid JSON.
 */
export function assertFiniteJson(value: unknown, path = '$'): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`internal error: ${path} is ${value}, not a finite number`)
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertFiniteJson(v, `${path}[${i}]`))
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertFiniteJson(v, `${path}.${k}`)
  }
}
