import type {EvalMetrics, EvalResultsFile, EvalSelection, EvalSettings, PredictionRecord} from './types'

/** How many answered samples `results` lists, as the reference does. */
const LISTED_RESULTS = 100

/** `<model>_results.json`: the reference's `{metrics, results}` plus what the run covered and how. */
export function resultsFile(options: {metrics: EvalMetrics; records: PredictionRecord[]; selection: EvalSelection; settings: EvalSettings}): EvalResultsFile {
  const answered = options.records.flatMap((r) => ('skipped' in r ? [] : [r]))
  return {
    metrics: options.metrics,
    results: answered.slice(0, LISTED_RESULTS).map((r) => ({question: r.question, gold: r.gold, pred: r.pred, exact_match: r.exact_match, contains_match: r.contains_match, category: r.category})),
    selection: options.selection,
    settings: options.settings,
  }
}

/** A model's output files are named after the last part of its folder or repo id. */
export function modelFileName(label: string): string {
  const last = label.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || 'model'
  return last.replace(/@.*$/, '').replace(/[^A-Za-z0-9._-]/g, '_')
}
