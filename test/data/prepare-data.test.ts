import {spawnSync} from 'node:child_process'
import {readFileSync, readlinkSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {silentProgress} from '../../src/progress'
import {DEFAULT_CATEGORIES} from '../../src/data/categories'
import {prepareSplits as prepareData, type PrepareSplitsOptions as PrepareDataOptions} from '../../src/data/prepare-data'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'
import {corpusItem, writeCorpus, writeLargeCorpus} from './corpus'

const dir = useTempDir()

type Item = Record<string, unknown> & {id: string; category: string}

function readSplit(output: string, name: string): Item[] {
  const text = readFileSync(join(output, `${name}.jsonl`), 'utf8')
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line))
}

function readAll(output: string): {train: Item[]; val: Item[]; test: Item[]; metadata: Record<string, any>} {
  return {
    train: readSplit(output, 'train'),
    val: readSplit(output, 'val'),
    test: readSplit(output, 'test'),
    metadata: JSON.parse(readFileSync(join(output, 'metadata.json'), 'utf8')),
  }
}

function options(overrides: Partial<PrepareDataOptions> = {}): PrepareDataOptions {
  return {source: join(dir(), 'corpus'), output: join(dir(), 'out'), maxPerCategory: null, totalMax: null, validateImages: false, seed: 42, force: false, progress: silentProgress, ...overrides}
}

/** ⌊0.9 n⌋, ⌊0.05 n⌋ and the rest, written out by hand for the sizes the tests use. */
const EXPECTED_SPLITS: Record<number, [number, number, number]> = {
  25: [22, 1, 2],
  1234: [1110, 61, 63],
  1500: [1350, 75, 75],
  11000: [9900, 550, 550],
  10999: [9899, 549, 551],
}

describe('data prepare', () => {
  it('splits every usable item 90/5/5 with no item in two splits, each with its category and images/ paths', async () => {
    writeCorpus(join(dir(), 'corpus'), [
      {name: 'AIHUB_koreanproblem_v2_axolotl.jsonl', items: 1000},
      {name: 'table-VQA-ko-60k.jsonl', items: 200},
      {name: 'kor1_YiSang_hq.jsonl', items: 34},
      {name: 'unlisted.jsonl', items: 5},
    ])
    const record = await prepareData(options())
    const {train, val, test, metadata} = readAll(record.output)
    expect([train.length, val.length, test.length]).toEqual(EXPECTED_SPLITS[1234])
    const ids = [...train, ...val, ...test].map((item) => item.id)
    expect(new Set(ids).size).toBe(1234)
    const expectedIds = [
      ...Array.from({length: 1000}, (_, i) => `AIHUB_koreanproblem_v2_axolotl.jsonl#${i}`),
      ...Array.from({length: 200}, (_, i) => `table-VQA-ko-60k.jsonl#${i}`),
      ...Array.from({length: 34}, (_, i) => `kor1_YiSang_hq.jsonl#${i}`),
    ]
    expect(new Set(ids)).toEqual(new Set(expectedIds))
    // Shuffled, not in source order.
    expect(train.slice(0, 20).map((item) => item.id)).not.toEqual(expectedIds.slice(0, 20))
    const item = [...train, ...val, ...test].find((i) => i.id === 'table-VQA-ko-60k.jsonl#7')!
    expect(item).toEqual({...corpusItem('table-VQA-ko-60k.jsonl', 7), category: 'table_vqa', messages: expect.anything()})
    expect((item.messages as any)[0].content[0]).toEqual({type: 'image', path: 'images/table-VQA-ko-60k.jsonl/7.jpg'})
    expect(metadata).toEqual({
      source: join(dir(), 'corpus'),
      total_samples: 1234,
      train_samples: 1110,
      val_samples: 61,
      test_samples: 63,
      category_counts: {korean_problem: 1000, math_problem: 0, visualization: 0, table_vqa: 200, captioning: 0, document: 0, arxiv: 0, latex: 0, general: 34},
      max_samples_per_category: null,
      total_max_samples: null,
      seed: 42,
      validate_images: false,
      skipped: {broken_lines: 0, missing_images: 0},
    })
    expect(record.uncategorized).toEqual(['unlisted.jsonl'])
    expect(record.missing).toHaveLength(Object.values(DEFAULT_CATEGORIES).flat().length - 3)
    expect(readlinkSync(join(record.output, 'images'))).toBe(join(dir(), 'corpus', 'images'))
  })

  it('gives byte-identical files for the same seed, and another split for another seed', async () => {
    writeCorpus(join(dir(), 'corpus'), [
      {name: 'arxiv_kor_v2_axolotl.jsonl', items: 900},
      {name: 'LaTeX-update_v2_axolotl.jsonl', items: 600},
    ])
    const files = ['train.jsonl', 'val.jsonl', 'test.jsonl', 'metadata.json']
    const read = (out: string) => files.map((f) => readFileSync(join(out, f)))
    await prepareData(options({output: join(dir(), 'a'), maxPerCategory: 700}))
    await prepareData(options({output: join(dir(), 'b'), maxPerCategory: 700}))
    await prepareData(options({output: join(dir(), 'c'), maxPerCategory: 700, seed: 7}))
    expect(read(join(dir(), 'b'))).toEqual(read(join(dir(), 'a')))
    expect(read(join(dir(), 'c'))[0].equals(read(join(dir(), 'a'))[0])).toBe(false)
  })

  it('counts broken lines per file and, with --validate-images, items whose images are missing', async () => {
    writeCorpus(join(dir(), 'corpus'), [
      {name: 'AIHUB_Visualization_v2_axolotl.jsonl', items: 40, broken: [0, 5, 17]},
      {name: 'bichallava_instruct_230k_chart_v2_axolotl.jsonl', items: 60, broken: [59], withImage: (i) => i % 3 !== 0},
    ])
    const plain = await prepareData(options({output: join(dir(), 'plain')}))
    expect(plain.files.map((f) => [f.file, f.lines, f.broken, f.missing_images, f.valid])).toEqual([
      ['AIHUB_Visualization_v2_axolotl.jsonl', 43, 3, 0, 40],
      ['bichallava_instruct_230k_chart_v2_axolotl.jsonl', 61, 1, 0, 60],
    ])
    expect(plain.metadata.total_samples).toBe(100)
    const validated = await prepareData(options({output: join(dir(), 'validated'), validateImages: true}))
    expect(validated.files.map((f) => [f.broken, f.missing_images, f.valid])).toEqual([
      [3, 0, 40],
      [1, 20, 40],
    ])
    expect(validated.metadata.skipped).toEqual({broken_lines: 4, missing_images: 20})
    const {train, val, test} = readAll(validated.output)
    const kept = [...train, ...val, ...test].filter((item) => item.category === 'visualization' && item.id.startsWith('bichallava'))
    expect(kept).toHaveLength(40)
    expect(kept.every((item) => Number(item.id.split('#')[1]) % 3 !== 0)).toBe(true)
  })

  it('caps each category, then the total, with seeded samples that are not just the first lines', async () => {
    writeFileSync(join(dir(), 'map.json'), '{}')
    writeCorpus(join(dir(), 'corpus'), [
      {name: 'a.jsonl', items: 9000, withImage: () => false},
      {name: 'b.jsonl', items: 1500, withImage: () => false},
      {name: 'c.jsonl', items: 500, withImage: () => false},
    ])
    const categories = {big: ['a.jsonl'], mid: ['b.jsonl', 'c.jsonl']}
    const record = await prepareData(options({categories, maxPerCategory: 6000, totalMax: 5000}))
    const {train, val, test, metadata} = readAll(record.output)
    expect(metadata.total_samples).toBe(5000)
    expect(train.length + val.length + test.length).toBe(5000)
    // 6000 of big and all 2000 of mid are pooled; 5000 of those 8000 are kept.
    const big = [...train, ...val, ...test].filter((i) => i.category === 'big')
    expect(metadata.category_counts).toEqual({big: big.length, mid: 5000 - big.length})
    expect(big.length).toBeGreaterThan(3400)
    expect(big.length).toBeLessThan(4100)
    const bigIndices = big.map((i) => Number(i.id.split('#')[1]))
    expect(Math.max(...bigIndices)).toBeGreaterThan(8500)
    expect(record.categories).toEqual([
      {category: 'big', available: 9000, count: big.length, share: big.length / 5000},
      {category: 'mid', available: 2000, count: 5000 - big.length, share: (5000 - big.length) / 5000},
    ])
  })

  it('applies the tiny and quick presets of the reference from the command line', async () => {
    writeCorpus(join(dir(), 'corpus'), [
      {name: 'llava-ko-recap-120k_v2_axolotl.jsonl', items: 11000, withImage: () => false},
      {name: 'AIHUB_mathproblem_multiple_v2_axolotl.jsonl', items: 500, withImage: () => false},
    ])
    const source = join(dir(), 'corpus')
    const run = async (mode: string) => {
      const out = join(dir(), mode)
      const result = await cmaam(['data', 'prepare', '--source', source, '--output', out, '--mode', mode, '--json'])
      expect(result.code).toBe(0)
      return JSON.parse(result.stdout).metadata
    }
    const tiny = await run('tiny')
    expect([tiny.category_counts.captioning, tiny.category_counts.math_problem, tiny.total_samples]).toEqual([1000, 500, 1500])
    expect([tiny.train_samples, tiny.val_samples, tiny.test_samples]).toEqual(EXPECTED_SPLITS[1500])
    expect([tiny.max_samples_per_category, tiny.total_max_samples]).toEqual([1000, 10000])
    const quick = await run('quick')
    expect([quick.category_counts.captioning, quick.total_samples]).toEqual([10000, 10500])
    const full = await run('full')
    expect([full.category_counts.captioning, full.total_samples]).toEqual([11000, 11500])
    const custom = await cmaam(['data', 'prepare', '--source', source, '--output', join(dir(), 'custom'), '--mode', 'tiny', '--total-max', '10999', '--max-per-category', '20000', '--json'])
    const metadata = JSON.parse(custom.stdout).metadata
    expect([metadata.total_samples, metadata.train_samples, metadata.val_samples, metadata.test_samples]).toEqual([10999, ...EXPECTED_SPLITS[10999]])
  })

  it('refuses to overwrite earlier splits without --force and explains an empty map match', async () => {
    writeCorpus(join(dir(), 'corpus'), [{name: 'arxiv_kor_v2_axolotl.jsonl', items: 10}])
    await prepareData(options())
    await expect(prepareData(options())).rejects.toThrow(/already holds train\.jsonl.*--force/)
    await prepareData(options({force: true}))
    await expect(prepareData(options({categories: {x: ['nothing.jsonl']}}))).rejects.toThrow(/No file of the category map/)
  })

  it('streams 1,000,000 lines in the memory it needs for 100,000 (peak RSS printed)', async () => {
    const peak = async (lines: number): Promise<number> => {
      const corpus = join(dir(), `corpus-${lines}`)
      await writeLargeCorpus(corpus, 'general.jsonl', lines)
      const script = `
        const {prepareSplits: prepareData} = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'data', 'prepare-data'))})
        const {silentProgress} = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'progress'))})
        prepareData({source: process.argv[1], output: process.argv[2], categories: {general: ['general.jsonl']}, maxPerCategory: null, totalMax: null, validateImages: false, seed: 42, force: false, progress: silentProgress})
          .then((r) => {
            // VmHWM is this process's own peak; getrusage's maxRSS survives exec and may be the parent's.
            const status = require('node:fs').existsSync('/proc/self/status') ? require('node:fs').readFileSync('/proc/self/status', 'utf8') : ''
            const hwm = /^VmHWM:\\s+(\\d+) kB/m.exec(status)
            console.log(JSON.stringify({total: r.metadata.total_samples, train: r.metadata.train_samples, maxRssKiB: hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS}))
          })`
      // A small young generation and a 64 MiB heap: the collector runs before the heap grows, so the
      // peaks differ by what is held, not by when it last collected (without, 32–96 MiB apart from run
      // to run); holding the lines would not fit in the heap at all.
      const child = spawnSync(process.execPath, ['--max-semi-space-size=2', '--max-old-space-size=64', '-e', script, corpus, join(dir(), `out-${lines}`)], {encoding: 'utf8'})
      expect(child.stderr).toBe('')
      const {total, train, maxRssKiB} = JSON.parse(child.stdout)
      expect([total, train]).toEqual([lines, Math.floor(lines * 0.9)])
      const mib = maxRssKiB / 1024
      console.log(`data prepare: ${lines.toLocaleString('en-US')} lines (${(statSync(join(corpus, 'label_v2', 'general.jsonl')).size / 2 ** 20).toFixed(0)} MiB): peak RSS ${mib.toFixed(0)} MiB`)
      return mib
    }
    const small = await peak(100_000)
    const large = await peak(1_000_000)
    // Ten times the lines costs the shuffle's 4 bytes per kept item (4 MB here) and some collector
    // slack (1–7 MiB in all here); holding the 900,000 extra items as objects would add several hundred MiB.
    expect(large).toBeLessThan(small + 32)
  }, 300_000)
})
