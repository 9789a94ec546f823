import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command'
import {prepareDataWith} from '../../api/prepare-data'
import type {PrepareDataOptions} from '../../api/types'
import {optionsFromFlags} from '../../cli/options-from-flags'
import {PREPARE_MODES} from '../../data/modes'

export default class DataPrepare extends BaseCommand {
  static override summary = 'Split an axolotl-style JSONL corpus into train/val/test by category, as the CMAAM experiment does.'
  static override description = `Reads the JSONL files of --source (in label_v2/, else at its top; images in images/), groups them into categories by file name (the Korean VQA corpus's map by default, or --categories), keeps a seeded random sample per category and in all (--mode or the caps), and writes train.jsonl, val.jsonl and test.jsonl (90 / 5 / 5, each item with its category and its image paths under images/), metadata.json and an images link to the source's images. Streams: memory stays small for millions of lines. Broken lines are skipped and counted per file; same inputs and seed give byte-identical files.`

  static override examples = [
    '<%= config.bin %> data prepare --source /data/vlm_20251118 --output ./data/korean_vqa --mode quick',
    '<%= config.bin %> data prepare -s ./corpus -o ./data --categories categories.json --max-per-category 5000 --validate-images',
  ]

  static override flags = {
    source: Flags.string({char: 's', description: 'Corpus folder: JSONL files in label_v2/ (or at its top), images in images/.', required: true}),
    output: Flags.string({char: 'o', description: 'Folder for train.jsonl, val.jsonl, test.jsonl, metadata.json and the images link.', required: true}),
    mode: Flags.string({description: 'tiny: ≤ 1,000 per category and 10,000 in all; quick: 10,000 and 100,000; full: everything.', options: Object.keys(PREPARE_MODES), default: 'full'}),
    'max-per-category': Flags.integer({description: 'Items kept per category (overrides --mode).', min: 1}),
    'total-max': Flags.integer({description: 'Items kept in all, after the per-category caps (overrides --mode).', min: 1}),
    categories: Flags.string({description: 'JSON file mapping category → list of JSONL file names; replaces the built-in Korean VQA map.'}),
    'validate-images': Flags.boolean({description: 'Drop items whose image files are missing (counted per file).'}),
    seed: Flags.integer({description: 'Seed of the sampling and of the split.', default: 42, min: 0}),
    force: Flags.boolean({description: 'Replace the split files and metadata.json already in --output.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(DataPrepare)
    const record = await prepareDataWith(optionsFromFlags<PrepareDataOptions>(flags), this.context(flags))
    if (flags.json) return this.printJson(record)
    if (record.missing.length > 0) this.warn(`not in the source, skipped: ${record.missing.join(', ')}`)
    if (record.uncategorized.length > 0) this.warn(`in no category, left out: ${record.uncategorized.join(', ')}`)
    if (flags.quiet) return
    const m = record.metadata
    const width = Math.max(8, ...record.categories.map((c) => c.category.length))
    const count = (n: number): string => n.toLocaleString('en-US').padStart(11)
    this.log(`${'category'.padEnd(width)}   available        kept   share`)
    for (const c of record.categories) this.log(`${c.category.padEnd(width)} ${count(c.available)} ${count(c.count)}  ${(c.share * 100).toFixed(1).padStart(5)}%`)
    this.log(`${'total'.padEnd(width)} ${count(record.categories.reduce((n, c) => n + c.available, 0))} ${count(m.total_samples)}  100.0%`)
    this.log('')
    for (const f of record.files.filter((f) => f.broken > 0 || f.missing_images > 0)) {
      this.log(`skipped    ${f.file}: ${f.broken} broken line${f.broken === 1 ? '' : 's'}, ${f.missing_images} with missing images`)
    }
    this.log(`splits     train ${m.train_samples.toLocaleString('en-US')}, val ${m.val_samples.toLocaleString('en-US')}, test ${m.test_samples.toLocaleString('en-US')} (seed ${m.seed})`)
    if (record.images.note) this.log(`images     ${record.images.note}`)
    else this.log(`images     ${record.images.path} → ${record.images.target}${record.images.state === 'exists' ? ' (already there)' : ''}`)
    this.log(`wrote      ${record.output}`)
  }
}
