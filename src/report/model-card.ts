import {readFrontMatter} from '../io/front-matter'
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
  /** The inputs' Hub ids where known (null: a local model): only these go into `base_model` and get links. */
  hubModels: HubModels
}

/** Each input's Hub id, or null for a local model whose id is not known. */
export interface HubModels {
  sources: Array<string | null>
  target: string | null
}

/** How a card tells readers to get cmaam: it is installed from its source, not from npm. */
export const CMAAM_INSTALL_NOTE = 'cmaam is installed from its source (a clone, an `npm pack` tarball or a git URL; see its README), not from npm.'

/** The merged model's README.md: Hub front matter, then how it was made and how to make it again. */
export function buildModelCard(record: MergeRecord, options: ModelCardOptions): string {
  const front = cardFrontMatter(record, options)

  /** A Hub model as a link; a local one by its folder's name only (its path is the merger's own business). */
  const link = (name: string, hubId: string | null, revision?: string): string => {
    if (hubId === null) return `\`${localName(name)}\` (a local model)`
    return `[${revision ? `${hubId} @ \`${revision.slice(0, 12)}\`` : hubId}](https://huggingface.co/${hubId})`
  }
  const {config, analysis, alphas} = record
  const sources = record.sources.map((s, i) => link(s, options.hubModels.sources[i] ?? null, i === 0 ? record.revisions?.source : undefined))
  const lerp = config.method === 'cmaam' || config.method === 'linear'
  const perComponent = new Set(COMPONENTS.map((c) => describeComponentMethod(config.methods[c]))).size > 1
  const c = record.compatibility
  const lines: string[] = [
    `# ${record.output.split(/[\\/]/).filter(Boolean).pop() ?? 'merged model'}`,
    '',
    `This model merges ${sources.join(', ')} (${sources.length === 1 ? 'source' : 'sources'}) into ${link(record.target, options.hubModels.target, record.revisions?.target)} (target) with cmaam ${record.cmaam_version}:`,
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
    tensorCounts(c),
    ...(perComponent ? ['', '| component | merged | kept from the target | taken from the source | only in the target | only in the source |', '|---|---:|---:|---:|---:|---:|', ...COMPONENTS.map((comp) => {
      const n = c.components[comp]
      return `| ${comp} | ${n.merged} | ${n.kept_target} | ${n.kept_source} | ${n.target_only} | ${n.source_only} |`
    })] : []),
    ...c.text_sources.map((t) => `\n${link(t.source, options.hubModels.sources[record.sources.indexOf(t.source)] ?? null)} is a text-only LLM: its decoder was merged into the target's language model (and shared embeddings); everything else comes from the target.${t.unmapped.length > 0 ? ` ${t.unmapped.length} of its tensors have no counterpart and were left out.` : ''}`),
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
  lines.push(...perLayerSection(alphas, lerp))
  if (analysis) lines.push(...alignmentSection(analysis))
  if (record.onnx) lines.push(...onnxSection(record.onnx))
  lines.push('', '## Reproduce', '', CMAAM_INSTALL_NOTE, '', '```bash', `cmaam ${options.reproduce}`, '```', '')
  if (record.files.mergekit_config) {
    lines.push(`\`${record.files.mergekit_config}\` holds the same merge in [mergekit](https://github.com/arcee-ai/mergekit)'s schema, for the tools that read it (\`cmaam merge --config ${record.files.mergekit_config}\` reads it too).`, '')
  }
  return `---\n${toYaml(front)}---\n\n${lines.join('\n')}`
}

/** The Hub front matter: Hub ids only in base_model, the target card's license and pipeline tag kept. */
function cardFrontMatter(record: MergeRecord, options: ModelCardOptions): {[key: string]: YamlValue} {
  const inherited = frontMatter(options.targetCard)
  const ids = [options.hubModels.target, ...options.hubModels.sources].filter((id): id is string => id !== null)
  const front: {[key: string]: YamlValue} = {
    // The Hub links only repo ids: a local folder's path would be a dead, private entry.
    ...(ids.length > 0 ? {base_model: [...new Set(ids)]} : {}),
    base_model_relation: 'merge',
    library_name: 'transformers',
    pipeline_tag: inherited.pipeline_tag ?? 'image-text-to-text',
  }
  if (inherited.license) front.license = inherited.license
  front.tags = ['merge', 'cmaam', ...(options.modelType ? [options.modelType] : []), ...(record.onnx ? ['onnx', 'transformers.js'] : [])]
  return front
}

/** The lowest and highest layer means per component, or nothing when no component has layers. */
function perLayerSection(alphas: MergeRecord['alphas'], lerp: boolean): string[] {
  const perLayer = COMPONENTS.flatMap((c) => {
    const layers = alphas.layers.filter((l) => l.component === c && !l.group.endsWith('non_layer'))
    if (layers.length === 0) return []
    const means = layers.map((l) => l.mean)
    return [`| ${c} | ${layers.length} | ${Math.min(...means).toFixed(4)} | ${Math.max(...means).toFixed(4)} |`]
  })
  if (perLayer.length === 0) return []
  const w = lerp ? 'α' : 'weight'
  return ['', `## ${lerp ? 'α' : 'Weight'} per layer (summary)`, '', `| component | layers | lowest layer mean ${w} | highest layer mean ${w} |`, '|---|---:|---:|---:|', ...perLayer]
}

/** The CMAAM alignment scores, overall and per component. */
function alignmentSection(analysis: NonNullable<MergeRecord['analysis']>): string[] {
  const a = analysis.alignment
  const score = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(4))
  return [
    '',
    '## Alignment scores',
    '',
    `Overall alignment ${a.overall.score.toFixed(4)}; CMBC ${score(a.cmbc.overall ?? 0.5)} (coherence ${score(a.cmbc.coherence)}, spectral ${score(a.cmbc.spectral)}, coverage ${a.cmbc.coverage.toFixed(2)}).`,
    '',
    '| component | PDA | GFS | score |',
    '|---|---:|---:|---:|',
    ...COMPONENTS.map((c) => `| ${c} | ${score(a.pda[c])} | ${score(a.gfs[c])} | ${a.component_scores[c].toFixed(4)} |`),
  ]
}

/** `58 tensors merged, 25 kept from the target (…), …`: where the output's tensors came from. */
export function tensorCounts(c: {merged: number; kept_target: number; kept_source: number; target_only: number; source_only: number}): string {
  const fromSource = c.kept_source > 0 ? `, ${c.kept_source} taken from the source (keep-source)` : ''
  return `${c.merged} tensors merged, ${c.kept_target} kept from the target (keep-target, shape or dtype differ, not float, or missing in a source)${fromSource}, ${c.target_only} only in the target and ${c.source_only} only in the source (kept as they are).`
}

/** A local model's folder name: what a card says of a model that is not on the Hub. */
function localName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path
}

/**
 * `license` and `pipeline_tag` from a card's YAML front matter, read with the `yaml` package (a base's
 * README comes from outside: no regular expression of ours runs over it). A card without front
 * matter, or whose front matter is not valid YAML, gives nothing.
 */
export function frontMatter(card: string | null): {license?: string; pipeline_tag?: string} {
  const value = readFrontMatter(card)
  if (value === null) return {}
  const text = (key: string): string | undefined => {
    const field = value[key]
    return typeof field === 'string' && field.trim() !== '' ? field.trim() : undefined
  }
  return {license: text('license'), pipeline_tag: text('pipeline_tag')}
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
