import {parseDocument} from 'yaml'
import {COMPONENTS} from '../models/types'
import {componentParameters, describeComponentMethod} from './format-analysis'
import type {MergeRecord} from './merge-record'
import {toYaml, type YamlValue} from './yaml'

export interface ModelCardOptions {
  /** `model_type` from the target's config.json (a tag on the Hub), when known. */
  modelType: string | null
  /** The target's own card (README.md), for its license and pipeline tag. */
  targetCard: string | null
  /** The command that reproduces this merge (never local secrets: built from settings, not argv). */
  reproduce: string
  /** Whether `source` and `target` are both Hub repo ids (then they are linked; so is any input with a revision). */
  hubIds: boolean
}

/** The merged model's README.md: Hub front matter, then how it was made and how to make it again. */
export function buildModelCard(record: MergeRecord, options: ModelCardOptions): string {
  const inherited = frontMatter(options.targetCard)
  const front: {[key: string]: YamlValue} = {
    base_model: [record.target, ...record.sources],
    base_model_relation: 'merge',
    library_name: 'transformers',
    pipeline_tag: inherited.pipeline_tag ?? 'image-text-to-text',
  }
  if (inherited.license) front.license = inherited.license
  front.tags = ['merge', 'cmaam', ...(options.modelType ? [options.modelType] : []), ...(record.onnx ? ['onnx', 'transformers.js'] : [])]

  const link = (name: string, revision?: string): string => {
    const shown = revision ? `${name} @ \`${revision.slice(0, 12)}\`` : name
    // Only Hub inputs have a revision: with one Hub input and one folder, link the Hub one.
    return options.hubIds || revision !== undefined ? `[${shown}](https://huggingface.co/${name})` : `\`${shown}\``
  }
  const {config, analysis, alphas} = record
  const sources = record.sources.map((s, i) => link(s, i === 0 ? record.revisions?.source : undefined))
  const lerp = config.method === 'cmaam' || config.method === 'linear'
  const perComponent = new Set(COMPONENTS.map((c) => describeComponentMethod(config.methods[c]))).size > 1
  const c = record.compatibility
  const lines: string[] = [
    `# ${record.output.split(/[\\/]/).filter(Boolean).pop() ?? 'merged model'}`,
    '',
    `This model merges ${sources.join(', ')} (${sources.length === 1 ? 'source' : 'sources'}) into ${link(record.target, record.revisions?.target)} (target) with [cmaam](https://www.npmjs.com/package/cmaam) ${record.cmaam_version}:`,
    lerp ? '`merged = (1 − α)·target + α·source`, with α chosen per tensor.' : `method \`${config.method}\`${perComponent ? ', chosen per component' : ''}.`,
    '',
    '## Method',
    '',
    config.method === 'cmaam'
      ? `CMAAM (Cross-Modal Alignment-Aware Merging), strategy \`${config.strategy}\`, base α ${config.base_alpha}, α clamped to [${config.min_alpha}, ${config.max_alpha}], model type \`${config.model_type}\`, seed ${config.seed}. Each tensor's α comes from how the two models' vision encoder, cross-modal bridge, language model and shared embeddings line up, computed from the weights alone.`
      : config.method === 'linear'
        ? `Linear merge with a constant α = ${config.base_alpha} for every tensor, model type \`${config.model_type}\`.`
        : `Model type \`${config.model_type}\`, seed ${config.seed}${config.alpha_from ? `; each tensor's weight (α, t or λ) is its CMAAM α (strategy \`${config.strategy}\`, base α ${config.base_alpha ?? 0.5})` : ''}. The formulas are in cmaam's docs/methods.md.`,
    '',
    ...(lerp && !perComponent ? [] : ['| component | method | parameters |', '|---|---|---|', ...COMPONENTS.map((comp) => `| ${comp} | \`${config.methods[comp].method}\` | ${componentParameters(config.methods[comp]) || '–'} |`), '']),
    `${c.merged} tensors merged, ${c.kept_target} kept from the target (shape or dtype differ, not float, or missing in a source), ${c.target_only} only in the target and ${c.source_only} only in the source (kept as they are).`,
    ...c.text_sources.map((t) => `\n${t.source} is a text-only LLM: its decoder was merged into the target's language model (and shared embeddings); everything else comes from the target.${t.unmapped.length > 0 ? ` ${t.unmapped.length} of its tensors have no counterpart and were left out.` : ''}`),
    ...c.vocabulary_rows.map((v) => `\nVocabulary resized: \`${v.name}\` has ${v.target_rows} rows in the target and ${v.source_rows.join(', ')} in the source; its first ${v.merged_rows} rows were merged and the other ${v.target_rows - v.merged_rows} kept from the target.`),
    '',
    lerp ? '## α per component' : '## Weight per component (α, t or λ)',
    '',
    `| component | tensors | mean ${lerp ? 'α' : 'weight'} | min | max |`,
    '|---|---:|---:|---:|---:|',
    ...COMPONENTS.flatMap((comp) => {
      const s = alphas.components[comp]
      return s ? [`| ${comp} | ${s.tensors} | ${s.mean.toFixed(4)} | ${s.min.toFixed(4)} | ${s.max.toFixed(4)} |`] : []
    }),
  ]
  const perLayer = COMPONENTS.flatMap((c) => {
    const layers = alphas.layers.filter((l) => l.component === c && !l.group.endsWith('non_layer'))
    if (layers.length === 0) return []
    const means = layers.map((l) => l.mean)
    return [`| ${c} | ${layers.length} | ${Math.min(...means).toFixed(4)} | ${Math.max(...means).toFixed(4)} |`]
  })
  if (perLayer.length > 0) {
    const w = lerp ? 'α' : 'weight'
    lines.push('', `## ${lerp ? 'α' : 'Weight'} per layer (summary)`, '', `| component | layers | lowest layer mean ${w} | highest layer mean ${w} |`, '|---|---:|---:|---:|', ...perLayer)
  }
  if (analysis) {
    const a = analysis.alignment
    const score = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(4))
    lines.push(
      '',
      '## Alignment scores',
      '',
      `Overall alignment ${a.overall.score.toFixed(4)}; CMBC ${score(a.cmbc.overall ?? 0.5)} (coherence ${score(a.cmbc.coherence)}, spectral ${score(a.cmbc.spectral)}, coverage ${a.cmbc.coverage.toFixed(2)}).`,
      '',
      '| component | PDA | GFS | score |',
      '|---|---:|---:|---:|',
      ...COMPONENTS.map((c) => `| ${c} | ${score(a.pda[c])} | ${score(a.gfs[c])} | ${a.component_scores[c].toFixed(4)} |`),
    )
  }
  if (record.onnx) lines.push(...onnxSection(record.onnx))
  lines.push('', '## Reproduce', '', '```bash', `npx cmaam ${options.reproduce}`, '```', '')
  if (record.files.mergekit_config) {
    lines.push(`\`${record.files.mergekit_config}\` holds the same merge in [mergekit](https://github.com/arcee-ai/mergekit)'s schema, for the tools that read it (\`cmaam merge --config ${record.files.mergekit_config}\` reads it too).`, '')
  }
  return `---\n${toYaml(front)}---\n\n${lines.join('\n')}`
}

/**
 * `license` and `pipeline_tag` from a card's YAML front matter, read with the `yaml` package (a base's
 * README comes from outside: no regular expression of ours runs over it). A card without front
 * matter, or whose front matter is not valid YAML, gives nothing.
 */
export function frontMatter(card: string | null): {license?: string; pipeline_tag?: string} {
  const block = frontMatterBlock(card ?? '')
  if (block === null) return {}
  const document = parseDocument(block, {prettyErrors: false})
  if (document.errors.length > 0) return {}
  let value: unknown
  try {
    value = document.toJS({maxAliasCount: 0})
  } catch {
    return {}
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
  const text = (key: string): string | undefined => {
    const field = (value as Record<string, unknown>)[key]
    return typeof field === 'string' && field.trim() !== '' ? field.trim() : undefined
  }
  return {license: text('license'), pipeline_tag: text('pipeline_tag')}
}

/** The text between a first line `---` and the next line `---`, or null. */
function frontMatterBlock(card: string): string | null {
  const first = card.startsWith('---\n') ? 4 : card.startsWith('---\r\n') ? 5 : -1
  if (first < 0) return null
  for (let at = first; at < card.length; ) {
    const end = card.indexOf('\n', at)
    const line = card.slice(at, end < 0 ? card.length : end).replace(/\r$/, '')
    if (line === '---') return card.slice(first, at)
    if (end < 0) return null
    at = end + 1
  }
  return null
}

/** The card's ONNX part: which variants `onnx/` holds, and how transformers.js loads them. */
function onnxSection(onnx: NonNullable<MergeRecord['onnx']>): string[] {
  const repo = /^([^/@\s]+\/[^/@\s]+)@[0-9a-f]{40}$/.exec(onnx.template)?.[1]
  return [
    '',
    '## ONNX (transformers.js)',
    '',
    `\`onnx/\` holds the merged weights written into the ONNX export ${repo ? `[${repo}](https://huggingface.co/${repo})` : `\`${onnx.template}\``} (\`cmaam onnx apply\`), in ${onnx.dtypes.map((d) => `\`${d}\``).join(', ')}:`,
    '',
    ...onnx.files.map((file) => `- \`${file}\``),
    '',
    'Load it with [transformers.js](https://huggingface.co/docs/transformers.js) (`@huggingface/transformers`):',
    '',
    '```js',
    "import {AutoProcessor, AutoModelForImageTextToText} from '@huggingface/transformers'",
    `const model = await AutoModelForImageTextToText.from_pretrained(MODEL_ID_OR_FOLDER, {dtype: '${onnx.dtypes[0]}'})`,
    'const processor = await AutoProcessor.from_pretrained(MODEL_ID_OR_FOLDER)',
    '```',
  ]
}
