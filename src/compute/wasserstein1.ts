/**
 * Wasserstein-1 distance between the empirical distributions of two samples, both sorted ascending
 * (a precondition: it is not checked).
 *
 * Equal lengths: mean |a_i − b_i| (spec §3). Different lengths: the exact 1-D distance
 * ∫ |F_a(x) − F_b(x)| dx over the merged support, as scipy.stats.wasserstein_distance computes it.
 * Two empty samples are at distance 0; one empty sample against a non-empty one has no defined
 * distance and throws a RangeError. A NaN value gives NaN.
 */
export function wasserstein1Sorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = a.length
  const nb = b.length
  if (na === 0 && nb === 0) return 0
  if (na === 0 || nb === 0) throw new RangeError('wasserstein1Sorted: one sample is empty, the distance is undefined')

  if (na === nb) {
    let sum = 0
    for (let i = 0; i < na; i++) sum += Math.abs(a[i] - b[i])
    return sum / na
  }

  // Walk the merged support; between consecutive support points x_k < x_{k+1} the two CDFs are
  // constant, F_a = i/na and F_b = j/nb with i, j the counts of values ≤ x_k.
  let i = 0
  let j = 0
  let total = 0
  let prev = Math.min(a[0], b[0])
  while (i < na || j < nb) {
    const x = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j]
    if (Number.isNaN(x)) return NaN // NaN is not ordered: the walk would not advance
    if (x > prev) total += Math.abs(i / na - j / nb) * (x - prev)
    prev = x
    while (i < na && a[i] <= x) i++
    while (j < nb && b[j] <= x) j++
  }
  return total
}
