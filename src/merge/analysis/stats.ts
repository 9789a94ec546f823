/** Arithmetic mean; callers never pass an empty list. */
export function mean(xs: readonly number[]): number {
  let s = 0
  for (const x of xs) s += x
  return s / xs.length
}

/** Population standard deviation (numpy's default, ddof = 0); callers never pass an empty list. */
export function populationStd(xs: readonly number[]): number {
  const m = mean(xs)
  let s = 0
  for (const x of xs) s += (x - m) * (x - m)
  return Math.sqrt(s / xs.length)
}

/**
 * Cosine of two equally long vectors mapped to [0, 1] as (cos + 1)/2, or null when either norm is
 * ≤ 1e−10 (spec §3; callers decide between 0.5 and skipping).
 */
export function mappedCosine(a: readonly number[], b: readonly number[]): number | null {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i]
    na += a[i] * a[i]
    nb += b[i] * b[i]
  }
  const normA = Math.sqrt(na)
  const normB = Math.sqrt(nb)
  if (!(normA > 1e-10 && normB > 1e-10)) return null
  const cos = dot / (normA * normB)
  return Number.isFinite(cos) ? (cos + 1) / 2 : null
}
