import {table} from '../report/format-analysis'
import type {EvalMetrics} from './types'

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`

/**
 * The comparison of models as rows of cells: one table of the overall metrics, and one per-category
 * table (exact / contains) when the data has categories. The markdown file and the terminal show
 * the same cells.
 */
function comparisonTables(all: EvalMetrics[]): string[][][] {
  const overall = [
    ['model', 'samples', 'exact match', 'contains', 'skipped', 'tokens/s'],
    ...all.map((m) => [
      m.model,
      String(m.n_samples),
      percent(m.exact_match_accuracy),
      percent(m.contains_accuracy),
      String(Object.values(m.skipped).reduce((a, b) => a + (b ?? 0), 0)),
      m.tokens_per_second.toFixed(1),
    ]),
  ]
  const categories = [...new Set(all.flatMap((m) => Object.keys(m.per_category)))].sort()
  if (categories.length === 0) return [overall]
  const perCategory = [
    ['model', ...categories.map((c) => `${c} (exact / contains)`)],
    ...all.map((m) => [m.model, ...categories.map((c) => {
      const x = m.per_category[c]
      return x ? `${percent(x.exact_match_accuracy)} / ${percent(x.contains_accuracy)} (n=${x.n})` : '–'
    })]),
  ]
  return [overall, perCategory]
}

export function comparisonMarkdown(all: EvalMetrics[]): string {
  const [overall, perCategory] = comparisonTables(all)
  const markdownTable = (rows: string[][]): string =>
    [rows[0], rows[0].map((_, i) => (i === 0 ? '---' : '---:')), ...rows.slice(1)].map((r) => `| ${r.join(' | ')} |`).join('\n')
  let text = `# Evaluation\n\n${markdownTable(overall)}\n`
  if (perCategory) text += `\n## Per category\n\n${markdownTable(perCategory)}\n`
  return text
}

export function comparisonText(all: EvalMetrics[]): string {
  return comparisonTables(all).map((rows) => table(rows).join('\n')).join('\n\n')
}
