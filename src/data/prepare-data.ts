import {existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {join, resolve} from 'node:path'
import type {Progress, ProgressFactory} from '../progress'
import {createRandom} from '../compute/random'
import {CmaamError} from '../errors'
import {writeJsonFile} from '../report/write-json-file'
import {BufferedWriter} from './buffered-writer'
import {DEFAULT_CATEGORIES, type CategoryMap} from './categories'
import {localImagePaths, rewriteImagePaths} from './image-paths'
import {readJsonl} from './read-items'
import {permutation, sampleSorted} from './sample-sorted'
import {splitSizes} from './split-sizes'

export interface PrepareSplitsOptions {
  /** Folder with the JSONL files (in `label_v2/`, else at its top) and the images (in `images/`). */
  source: string
  output: string
  /** Category → file names; default: the reference's map. */
  categories?: CategoryMap
  /** Items kept per category (a uniform random sample), or null for all. */
  maxPerCategory: number | null
  /** Items kept in all, sampled after the per-category caps, or null for all. */
  totalMax: number | null
  /** Drop items whose images are missing. */
  validateImages: boolean
  seed: number
  /** Replace train/val/test/metadata files already in the output folder. */
  force: boolean
  progress: ProgressFactory
}

/** `metadata.json`: the reference's keys (category_counts: the items in the splits), plus what was skipped. */
export interface DataMetadata {
  source: string
  total_samples: number
  train_samples: number
  val_samples: number
  test_samples: number
  category_counts: Record<string, number>
  max_samples_per_category: number | null
  total_max_samples: number | null
  seed: number
  validate_images: boolean
  skipped: {broken_lines: number; missing_images: number}
}

export interface FileStats {
  file: string
  category: string
  /** Non-blank lines read. */
  lines: number
  /** Lines that are not a JSON object: skipped. */
  broken: number
  /** Items dropped by --validate-images. */
  missing_images: number
  /** Items available for sampling. */
  valid: number
}

export interface PrepareDataRecord {
  output: string
  metadata: DataMetadata
  /** One row per category of the map: items kept and their share of the total. */
  categories: Array<{category: string; available: number; count: number; share: number}>
  files: FileStats[]
  /** JSONL files in the label folder that no category names: left out. */
  uncategorized: string[]
  /** Files the map names that are not in the label folder. */
  missing: string[]
  /** The `images` link in the output: made, already there, or why not. */
  images: {path: string; target: string; state: 'created' | 'exists' | 'missing-source' | 'failed'; note?: string}
}

/** Items per temporary bucket: the most held in memory at once while ordering the output. */
const BUCKET_ITEMS = 20_000
const OUTPUT_FILES = ['train.jsonl', 'val.jsonl', 'test.jsonl', 'metadata.json']

/**
 * The reference's `prepare_korean_vqa_data.py` as a streaming two-pass job. Pass 1 reads every file
 * and counts the usable items per category (broken lines and, with validation, items with missing
 * images are counted and skipped). The seed then fixes which items each category keeps, which of
 * those the total cap keeps, and a shuffle of the rest into train / val / test (⌊0.9 n⌋ / ⌊0.05 n⌋ /
 * the rest). Pass 2 reads the files again and sends each kept item, with its `category` and its
 * image paths under `images/`, to a temporary bucket by its shuffled position; the buckets are then
 * sorted one at a time into the split files. Memory: 4 bytes per kept item plus one bucket, however
 * large the corpus; same inputs and seed, same bytes.
 */
export async function prepareSplits(options: PrepareSplitsOptions): Promise<PrepareDataRecord> {
  const source = resolve(options.source)
  const output = resolve(options.output)
  const categories = options.categories ?? DEFAULT_CATEGORIES
  if (!isDirectory(source)) throw new CmaamError(`--source ${source} is not a folder`, {hint: 'Give the folder that holds label_v2/ (or the JSONL files) and images/.'})
  const {work, missing, uncategorized} = findCategoryFiles(source, categories)
  checkOutput(output, options.force)
  const totalBytes = work.reduce((sum, w) => sum + statSync(w.path).size, 0)

  // Pass 1: usable items per category.
  const isUsable = usability(source, options.validateImages)
  const {files, available} = await countUsable(work, Object.keys(categories), isUsable, options.progress('pass 1/2 count', totalBytes))

  // What the seed keeps: per category, then in all; then each kept item's shuffled position.
  const chosen = chooseKept(available, options)
  const {total} = chosen
  const sizes = splitSizes(total)

  const temp = join(output, `.cmaam-prepare-${process.pid}`)
  mkdirSync(temp, {recursive: true})
  try {
    // Pass 2: each kept item into the bucket of its position.
    const {buckets, counts} = await bucketKept({temp, work, files, available, categoryNames: Object.keys(categories), isUsable, chosen, progress: options.progress('pass 2/2 split', totalBytes)})

    // The buckets, in position order, into the three splits.
    writeSplits(buckets, temp, sizes, total)

    const metadata: DataMetadata = {
      source,
      total_samples: total,
      train_samples: sizes.train,
      val_samples: sizes.val,
      test_samples: sizes.test,
      category_counts: counts,
      max_samples_per_category: options.maxPerCategory,
      total_max_samples: options.totalMax,
      seed: options.seed,
      validate_images: options.validateImages,
      skipped: {broken_lines: sum(files, 'broken'), missing_images: sum(files, 'missing_images')},
    }
    await writeJsonFile(join(temp, 'metadata.json'), metadata)
    for (const name of OUTPUT_FILES) renameSync(join(temp, name), join(output, name))
    return {
      output,
      metadata,
      categories: [...available].map(([category, n]) => ({category, available: n, count: counts[category], share: total === 0 ? 0 : counts[category] / total})),
      files,
      uncategorized,
      missing,
      images: linkImages(source, output),
    }
  } finally {
    rmSync(temp, {recursive: true, force: true})
  }
}

function sum(files: FileStats[], key: 'broken' | 'missing_images'): number {
  return files.reduce((n, f) => n + f[key], 0)
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function checkOutput(output: string, force: boolean): void {
  if (existsSync(output) && !isDirectory(output)) throw new CmaamError(`--output ${output} exists and is not a folder`, {hint: 'Choose a folder path for --output.'})
  const existing = OUTPUT_FILES.filter((name) => existsSync(join(output, name)))
  if (existing.length > 0 && !force) {
    throw new CmaamError(`--output ${output} already holds ${existing.join(', ')}; pass --force to replace them`, {hint: 'Pass --force, or choose another folder.'})
  }
  mkdirSync(output, {recursive: true})
}

/** `images` in the output, linking to the source's images as the reference does; never replaces an existing entry. */
function linkImages(source: string, output: string): PrepareDataRecord['images'] {
  const path = join(output, 'images')
  const target = join(source, 'images')
  if (lstatSync(path, {throwIfNoEntry: false})) return {path, target, state: 'exists'}
  if (!isDirectory(target)) return {path, target, state: 'missing-source', note: `${target} does not exist: image paths in the splits start with images/, so put the images there (or link them) before training`}
  try {
    symlinkSync(target, path, 'dir')
    return {path, target, state: 'created'}
  } catch (error) {
    return {path, target, state: 'failed', note: `could not link ${path} to ${target} (${(error as Error).message}): copy or link the images there before training`}
  }
}

/** A JSONL file of the corpus and its category. */
interface CategoryFile {
  category: string
  file: string
  path: string
}

/** The JSONL files of each category that are in the label folder, and the names that are in only one of the map and the folder. */
function findCategoryFiles(source: string, categories: CategoryMap): {work: CategoryFile[]; missing: string[]; uncategorized: string[]} {
  const labelDir = isDirectory(join(source, 'label_v2')) ? join(source, 'label_v2') : source
  const present = new Set(readdirSync(labelDir).filter((name) => name.endsWith('.jsonl')))
  const listed = new Set(Object.values(categories).flat())
  const missing = [...listed].filter((file) => !present.has(file))
  const uncategorized = [...present].filter((file) => !listed.has(file)).sort()
  const work = Object.entries(categories).flatMap(([category, files]) => files.filter((f) => present.has(f)).map((file) => ({category, file, path: join(labelDir, file)})))
  if (work.length === 0) {
    throw new CmaamError(`No file of the category map is in ${labelDir}`, {
      hint: `Found ${present.size === 0 ? 'no .jsonl files' : [...present].slice(0, 5).join(', ')}; pass --categories map.json to name your files.`,
    })
  }
  return {work, missing, uncategorized}
}

type Usability = 'ok' | 'broken' | 'missing-image'

/** Whether an item is kept: valid JSON, and (with --validate-images) its local images exist. */
function usability(source: string, validateImages: boolean): (item: Record<string, unknown> | null) => Usability {
  return (item) => {
    if (item === null) return 'broken'
    const paths = rewriteImagePaths(item)
    if (validateImages && localImagePaths(paths).some((p) => !existsSync(resolve(source, p)))) return 'missing-image'
    return 'ok'
  }
}

/** Pass 1: lines, broken lines, items with missing images and usable items, per file and per category. */
async function countUsable(work: CategoryFile[], categoryNames: string[], isUsable: (item: Record<string, unknown> | null) => Usability, progress: Progress) {
  const files: FileStats[] = []
  const available = new Map<string, number>(categoryNames.map((c) => [c, 0]))
  for (const {category, file, path} of work) {
    const stats: FileStats = {file, category, lines: 0, broken: 0, missing_images: 0, valid: 0}
    for await (const line of readJsonl(path)) {
      stats.lines++
      const usable = isUsable(line.item)
      if (usable === 'broken') stats.broken++
      else if (usable === 'missing-image') stats.missing_images++
      else stats.valid++
      progress.advance(line.bytes)
    }
    available.set(category, available.get(category)! + stats.valid)
    files.push(stats)
  }
  progress.done()
  return {files, available}
}

/** The seeded samples: which usable items each category keeps, which of those the total keeps (null: all), and each kept item's position in the shuffled output. */
function chooseKept(available: Map<string, number>, options: Pick<PrepareSplitsOptions, 'maxPerCategory' | 'totalMax' | 'seed'>) {
  const perCategory = new Map<string, Uint32Array | null>()
  let pooled = 0
  for (const [category, n] of available) {
    const keep = options.maxPerCategory === null ? n : Math.min(n, options.maxPerCategory)
    perCategory.set(category, keep < n ? sampleSorted(n, keep, createRandom(options.seed, `category:${category}`)) : null)
    pooled += keep
  }
  const total = options.totalMax === null ? pooled : Math.min(pooled, options.totalMax)
  const overall = total < pooled ? sampleSorted(pooled, total, createRandom(options.seed, 'total')) : null
  const position = permutation(total, createRandom(options.seed, 'split'))
  return {perCategory, overall, position, total}
}

interface BucketOptions {
  temp: string
  work: CategoryFile[]
  files: FileStats[]
  available: Map<string, number>
  categoryNames: string[]
  isUsable: (item: Record<string, unknown> | null) => Usability
  chosen: ReturnType<typeof chooseKept>
  progress: Progress
}

/** Pass 2: every kept item, with its category, into the temporary bucket of its shuffled position. */
async function bucketKept({temp, work, files, available, categoryNames, isUsable, chosen: {perCategory, overall, position, total}, progress}: BucketOptions) {
  const buckets = Array.from({length: Math.max(1, Math.ceil(total / BUCKET_ITEMS))}, (_, i) => new BufferedWriter(join(temp, `bucket-${i}`)))
  const counts: Record<string, number> = Object.fromEntries(categoryNames.map((c) => [c, 0]))
  let pooledIndex = 0
  let overallCursor = 0
  let kept = 0
  try {
    let fileIndex = 0
    for (const [category] of available) {
      const chosen = perCategory.get(category)!
      let ordinal = 0
      let cursor = 0
      for (; fileIndex < work.length && work[fileIndex].category === category; fileIndex++) {
        const {path} = work[fileIndex]
        let valid = 0
        for await (const line of readJsonl(path)) {
          progress.advance(line.bytes)
          if (isUsable(line.item) !== 'ok') continue
          valid++
          const k = ordinal++
          if (chosen !== null) {
            if (cursor >= chosen.length || chosen[cursor] !== k) continue
            cursor++
          }
          const g = pooledIndex++
          if (overall !== null) {
            if (overallCursor >= overall.length || overall[overallCursor] !== g) continue
            overallCursor++
          }
          const p = position[kept++]
          counts[category]++
          buckets[Math.floor(p / BUCKET_ITEMS)].write(`${p}\t${JSON.stringify({...line.item, category})}\n`)
        }
        if (valid !== files[fileIndex].valid) {
          throw new CmaamError(`${path} changed while it was being read (${files[fileIndex].valid} usable items, then ${valid})`, {hint: 'Run again once nothing writes to the source folder.'})
        }
      }
    }
  } finally {
    for (const bucket of buckets) bucket.close()
    progress.done()
  }
  return {buckets, counts}
}

/** Sorts the buckets one at a time by position and writes their items to train, val and test. */
function writeSplits(buckets: BufferedWriter[], temp: string, sizes: ReturnType<typeof splitSizes>, total: number): void {
  const splits = [
    {name: 'train.jsonl', end: sizes.train},
    {name: 'val.jsonl', end: sizes.train + sizes.val},
    {name: 'test.jsonl', end: total},
  ].map((s) => ({...s, writer: new BufferedWriter(join(temp, s.name), 1 << 20)}))
  try {
    let split = 0
    for (const bucket of buckets) {
      const lines = readFileSync(bucket.path, 'utf8').split('\n')
      lines.pop()
      const entries = lines.map((line) => {
        const tab = line.indexOf('\t')
        return {p: Number(line.slice(0, tab)), text: line.slice(tab + 1)}
      })
      entries.sort((a, b) => a.p - b.p)
      for (const {p, text} of entries) {
        while (p >= splits[split].end) split++
        splits[split].writer.write(`${text}\n`)
      }
      rmSync(bucket.path)
    }
  } finally {
    for (const s of splits) s.writer.close()
  }
}
