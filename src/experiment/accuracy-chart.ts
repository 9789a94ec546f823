import {parse, View} from 'vega'
import {compile, type TopLevelSpec} from 'vega-lite'

export interface ChartBar {
  /** Bar group along x (a model, or a category). */
  group: string
  /** Bar within the group (a metric, or a model). */
  series: string
  /** Accuracy in [0, 1]. */
  value: number
}

/** Height of the plot area in pixels: a bar of accuracy a is a × this tall. */
export const CHART_HEIGHT = 240

/**
 * A grouped bar chart of accuracies as SVG, rendered by vega-lite/vega in Node (no browser, no
 * canvas). The y axis always spans 0–100 %, so charts of different runs compare by eye. Each bar
 * carries its value above it and a cap line at its top, so a 0 % bar is seen as one too.
 */
export async function accuracyChart(options: {title: string; groupTitle: string; seriesTitle: string; bars: ChartBar[]}): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    data: {values: options.bars.map((bar) => ({...bar}))},
    height: CHART_HEIGHT,
    width: {step: 22},
    encoding: {
      x: {field: 'group', type: 'nominal', title: options.groupTitle, sort: null, axis: {labelAngle: -30}},
      xOffset: {field: 'series', type: 'nominal', sort: null},
      y: {field: 'value', type: 'quantitative', title: 'accuracy', scale: {domain: [0, 1], nice: false}, axis: {format: '.0%'}},
      color: {field: 'series', type: 'nominal', title: options.seriesTitle, sort: null},
    },
    layer: [
      {mark: {type: 'bar', tooltip: true}},
      {mark: {type: 'tick', thickness: 2, orient: 'horizontal'}},
      {mark: {type: 'text', dy: -6, fontSize: 8}, encoding: {text: {field: 'value', type: 'quantitative', format: '.0%'}, color: {value: 'black'}}},
    ],
    config: {font: 'sans-serif', view: {stroke: null}},
  }
  const view = new View(parse(compile(spec).spec), {renderer: 'none'})
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}
