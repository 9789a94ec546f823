/**
 * Natural order of group keys, so `layer_2` sorts before `layer_10` (and, for the reference's keys,
 * `non_layer` after every `layer_N`). Runs of digits compare by value, everything else by code unit.
 */
export function compareNatural(a: string, b: string): number {
  const ca = a.match(/\d+|\D+/g) ?? []
  const cb = b.match(/\d+|\D+/g) ?? []
  const len = Math.min(ca.length, cb.length)
  for (let k = 0; k < len; k++) {
    const x = ca[k]
    const y = cb[k]
    if (x === y) continue
    const dx = /^\d/.test(x)
    const dy = /^\d/.test(y)
    if (dx && dy) {
      const sx = x.replace(/^0+(?=\d)/, '')
      const sy = y.replace(/^0+(?=\d)/, '')
      if (sx.length !== sy.length) return sx.length - sy.length
      if (sx !== sy) return sx < sy ? -1 : 1
      return x.length - y.length
    }
    return x < y ? -1 : 1
  }
  return ca.length - cb.length
}
