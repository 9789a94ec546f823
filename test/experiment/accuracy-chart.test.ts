import {accuracyChart, CHART_HEIGHT} from '../../src/experiment/accuracy-chart'

describe('accuracy charts', () => {
  test('every bar carries its value as a label and a cap line at its height, so 0 % bars show', async () => {
    const bars = [
      {group: 'base', series: 'exact match', value: 0},
      {group: 'base', series: 'contains', value: 0.5},
      {group: 'tuned', series: 'exact match', value: 1},
      {group: 'tuned', series: 'contains', value: 0.25},
    ]
    const svg = await accuracyChart({title: 'test', groupTitle: 'model', seriesTitle: 'metric', bars})
    const labels = [...svg.matchAll(/aria-label="model: ([^;]+); accuracy: [^;]+; series: ([^;]+); value: [^"]+"[^>]*aria-roledescription="text mark"[^>]*>([^<]+)<\/text>/g)].map(([, group, series, text]) => ({group, series, text}))
    expect(labels).toEqual(bars.map((b) => ({group: b.group, series: b.series, text: `${Math.round(b.value * 100)}%`})))
    // The cap of each bar sits at the bar's top: CHART_HEIGHT · (1 − value) from the top of the plot, 0 % on the axis.
    const caps = [...svg.matchAll(/aria-label="model: ([^;]+); accuracy: [^;]+; series: ([^;"]+); [^"]*"[^>]*aria-roledescription="tick" d="M[\d.]+,(-?[\d.]+)h/g)].map(([, group, series, y]) => ({group, series, y: Number(y)}))
    expect(caps.map((c) => ({...c, y: Math.round(c.y)}))).toEqual(bars.map((b) => ({group: b.group, series: b.series, y: Math.round(CHART_HEIGHT * (1 - b.value) - 1)})))
  })
})
