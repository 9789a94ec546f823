import type {CategoryMetrics, EvalMetrics, PredictionRecord, SkipReason} from './types'

/**
 * Metrics over a run's records: accuracies over the answered samples, the same per category
 * (samples without a category count in the totals only), skipped samples by reason, and the
 * generation time and speed.
 */
export function summarizePredictions(model: string, records: PredictionRecord[]): EvalMetrics {
  const skipped: Partial<Record<SkipReason, number>> = {}
  const categories = new Map<string, {n: number; exact: number; contains: number}>()
  let n = 0
  let exact = 0
  let contains = 0
  let seconds = 0
  let tokens = 0
  for (const record of records) {
    if ('skipped' in record) {
      skipped[record.skipped] = (skipped[record.skipped] ?? 0) + 1
      continue
    }
    n++
    exact += Number(record.exact_match)
    contains += Number(record.contains_match)
    seconds += record.seconds
    tokens += record.new_tokens
    if (record.category === null) continue
    const counts = categories.get(record.category) ?? {n: 0, exact: 0, contains: 0}
    counts.n++
    counts.exact += Number(record.exact_match)
    counts.contains += Number(record.contains_match)
    categories.set(record.category, counts)
  }
  const ratio = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole)
  const perCategory: Record<string, CategoryMetrics> = {}
  for (const name of [...categories.keys()].sort()) {
    const c = categories.get(name)!
    perCategory[name] = {n: c.n, exact_match_accuracy: ratio(c.exact, c.n), contains_accuracy: ratio(c.contains, c.n)}
  }
  return {
    model,
    n_samples: n,
    exact_match_accuracy: ratio(exact, n),
    contains_accuracy: ratio(contains, n),
    per_category: perCategory,
    skipped,
    seconds,
    tokens_per_second: ratio(tokens, seconds),
  }
}
