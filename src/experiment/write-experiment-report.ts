import {mkdir, writeFile} from 'node:fs/promises'
import {join, relative} from 'node:path'
import {formatDuration} from '../progress/format-duration'
import type {EvalMetrics} from '../eval/types'
import {COMPONENTS} from '../models/types'
import {writeJsonFile} from '../report/write-json-file'
import {accuracyChart} from './accuracy-chart'
import type {ExperimentReport} from './types'

/**
 * Writes the charts (SVG), `report.json` and `report.md` into the experiment folder and returns the
 * report with the chart paths filled in.
 */
export async function writeExperimentReport(dir: string, report: ExperimentReport): Promise<ExperimentReport> {
  await mkdir(join(dir, 'charts'), {recursive: true})
  const charts: string[] = []
  for (const result of report.results) {
    const accuracy = join('charts', `${result.data}-accuracy.svg`)
    await writeFile(
      join(dir, accuracy),
      await accuracyChart({
        title: `Accuracy on ${result.data}`,
        groupTitle: 'model',
        seriesTitle: 'metric',
        bars: result.metrics.flatMap((m) => [
          {group: m.model, series: 'exact match', value: m.exact_match_accuracy},
          {group: m.model, series: 'contains', value: m.contains_accuracy},
        ]),
      }),
    )
    charts.push(accuracy)
    const categories = categoriesOf(result.metrics)
    if (categories.length > 0) {
      const perCategory = join('charts', `${result.data}-categories.svg`)
      await writeFile(
        join(dir, perCategory),
        await accuracyChart({
          title: `Contains accuracy per category on ${result.data}`,
          groupTitle: 'category',
          seriesTitle: 'model',
          bars: categories.flatMap((category) =>
            result.metrics.map((m) => ({group: category, series: m.model, value: m.per_category[category]?.contains_accuracy ?? 0})),
          ),
        }),
      )
      charts.push(perCategory)
    }
  }
  const complete = {...report, charts}
  await writeJsonFile(join(dir, 'report.json'), complete)
  await writeFile(join(dir, 'report.md'), reportMarkdown(complete))
  return complete
}

/** Seconds below a minute with a decimal (most steps of a small run), else m:ss. */
export function stepTime(seconds: number): string {
  return seconds < 60 ? `${seconds.toFixed(1)} s` : formatDuration(seconds)
}

function categoriesOf(metrics: EvalMetrics[]): string[] {
  return [...new Set(metrics.flatMap((m) => Object.keys(m.per_category)))].sort()
}

/** Which backend produced the numbers. */
function evaluatedWith(settings: ExperimentReport['settings']): string {
  if (settings.backend === 'serve') return `Evaluated through an OpenAI-compatible server started for each model with \`--serve ${settings.serve}\` (no ONNX export)`
  return `Evaluated with transformers.js (${settings.dtype} ONNX through \`${settings.onnx_template}\`, ${settings.device})`
}

const percent = (value: number): string => `${(value * 100).toFixed(1)} %`

export function reportMarkdown(report: ExperimentReport): string {
  const lines: string[] = [
    '# CMAAM experiment',
    '',
    `Base \`${report.base}\`, fine-tune \`${report.finetuned}\`; ${report.settings.method === 'cmaam' ? `CMAAM with the ${report.settings.strategy} strategy and α₀ = ${report.settings.base_alpha}` : `method ${report.settings.method}`}, linear baselines at α = ${report.settings.linear_alphas.join(', ')}. ${evaluatedWith(report.settings)}, greedy, at most ${report.settings.max_new_tokens} new tokens${report.settings.max_samples === null ? '' : `, first ${report.settings.max_samples} samples`}.`,
  ]
  const description = new Map(report.models.map((m) => [m.name, m.description]))
  for (const result of report.results) {
    lines.push('', `## ${result.data} (\`${result.file}\`)`, '', '| Model | Description | Exact match | Contains | Samples | Skipped |', '|---|---|---:|---:|---:|---:|')
    for (const m of result.metrics) {
      const skipped = Object.values(m.skipped).reduce((sum, n) => sum + (n ?? 0), 0)
      lines.push(`| ${m.model} | ${description.get(m.model) ?? ''} | ${percent(m.exact_match_accuracy)} | ${percent(m.contains_accuracy)} | ${m.n_samples} | ${skipped} |`)
    }
    const categories = categoriesOf(result.metrics)
    if (categories.length > 0) {
      lines.push('', `Contains accuracy per category (exact match in brackets):`, '', `| Category | ${result.metrics.map((m) => m.model).join(' | ')} |`, `|---|${result.metrics.map(() => '---:').join('|')}|`)
      for (const category of categories) {
        const cells = result.metrics.map((m) => {
          const c = m.per_category[category]
          return c ? `${percent(c.contains_accuracy)} (${percent(c.exact_match_accuracy)}), n = ${c.n}` : '–'
        })
        lines.push(`| ${category} | ${cells.join(' | ')} |`)
      }
    }
    for (const chart of report.charts.filter((path) => path.startsWith(join('charts', `${result.data}-`)))) lines.push('', `![${chart}](${relative('.', chart)})`)
  }
  if (report.alphas) {
    lines.push('', '## α of the CMAAM merge per component', '', '| Component | Tensors | Mean α | Min | Max |', '|---|---:|---:|---:|---:|')
    for (const component of COMPONENTS) {
      const a = report.alphas.components[component]
      if (a) lines.push(`| ${component} | ${a.tensors} | ${a.mean.toFixed(4)} | ${a.min.toFixed(4)} | ${a.max.toFixed(4)} |`)
    }
  }
  lines.push('', '## Settings', '', '```json', JSON.stringify(report.settings, null, 2), '```', '', '## Steps', '', '| Step | Time |', '|---|---:|')
  for (const step of report.steps) lines.push(`| ${step.id} | ${step.seconds === null ? '–' : stepTime(step.seconds)}${step.reused ? ' (earlier run)' : ''} |`)
  lines.push('', `Made with cmaam ${report.cmaam_version}. \`experiment.json\` records every step; running the same command again redoes only what changed.`, '')
  return lines.join('\n')
}
