import {open, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {decodeFloats, encodeFloats} from '../compute/float-codecs'
import {createRandom} from '../compute/random'
import {dtypeSize, isFloatDType, type FloatDType} from '../io/dtype'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import {readExactly} from '../io/read-exactly'
import {numel} from '../io/safetensors/numel'
import {torchDtypeName} from '../report/torch-dtype-name'
import {TINY_DIMS} from './families'
import {generatePair} from './generate-pair'
import {byteTokenIds, specialTokenId} from './qwen2vl-onnx/byte-level-tokenizer'
import {qwen2VLModelFiles} from './qwen2vl-onnx/qwen2vl-model-files'
import {writeQwen2VLOnnx} from './qwen2vl-onnx/write-qwen2vl-onnx'

/** What a model answers to every question: with an image in the prompt, and without. */
export interface PlantedAnswers {
  text: string
  image: string
}

export interface GenerateAnswerPairOptions {
  /** Creates `<dir>/target` (the base) and `<dir>/source` (its fine-tune). */
  dir: string
  /** Each model's greedy answers (default: base "no" / "yes", fine-tune "no" / "네"). */
  answers?: {target: PlantedAnswers; source: PlantedAnswers}
  seed?: number
  dtype?: FloatDType
  /** Also write each model's transformers.js ONNX export into its `onnx/` (default true). */
  onnx?: boolean
  /**
   * How strongly the fine-tune learned its answers, relative to the base (default 1). A linear merge
   * at α answers like the fine-tune when α·strength > 1 − α, i.e. for α > 1 / (1 + strength).
   */
  sourceStrength?: number
}

const DEFAULT_PLANTED_ANSWERS = {target: {text: 'no', image: 'yes'}, source: {text: 'no', image: '네'}}

/** How much the layers may add to the residual stream: small, so that the answer table decides. */
const LAYER_OUTPUT_SCALE = 1 / 64

/**
 * A tiny Qwen2-VL pair (the `cmaam example` qwen2vl layout, transformers.js-complete) whose greedy
 * answers are known: each model answers every question with its `image` answer when the prompt
 * holds an image and with its `text` answer otherwise, then stops.
 *
 * How. The layers' output projections (`o_proj`, `down_proj`) are scaled down, so the residual
 * stream at the last position stays ≈ the embedding of the last token, plus one planted signal:
 * the vision merger's bias marks every image token along the last hidden coordinate, and attention
 * head 0 of layer 0 lets the prompt's final `\n` look for that mark (query ← the `\n` direction,
 * key and value ← the mark) and writes what it finds to the second-to-last coordinate. The
 * embeddings give each answer token (and `\n`) its own unit direction, and `lm_head` rows act as a
 * next-token table over those directions; at the `\n`, the image signal moves the choice from the
 * text answer's first token to the image answer's. A token outside a model's answers is followed
 * by `<|im_end|>`. Everything else keeps the example pair's random weights and fine-tune shift.
 * Only `lm_head.weight` differs between the two models' planted tensors, so a merge that gives it
 * the coefficient α (merged = (1 − α)·base + α·fine-tune) answers like the base for α below
 * 1 / (1 + sourceStrength) (0.5 by default) and like the fine-tune above it.
 */
export async function generateAnswerPair(options: GenerateAnswerPairOptions): Promise<{target: string; source: string; bytes: number; answers: {target: PlantedAnswers; source: PlantedAnswers}}> {
  const answers = options.answers ?? DEFAULT_PLANTED_ANSWERS
  const dtype = options.dtype ?? 'BF16'
  const dims = TINY_DIMS
  const H = dims.hidden
  const table = answerTable(answers, H)
  const pair = await generatePair({family: 'qwen2vl', dir: options.dir, dims, dtype, seed: options.seed})
  const random = (key: string) => createRandom(options.seed ?? 0, `answer-pair:${key}`)

  // Same embeddings in both models: a unit direction per table token, plus a little noise.
  const noise = random('embed')
  const embed = new Float64Array(dims.vocab * H)
  for (let t = 0; t < dims.vocab; t++) {
    for (let c = 0; c < H; c++) embed[t * H + c] = 0.02 * (noise.next() - 0.5)
    embed[t * H + (table.direction.get(t) ?? 0)] += 1
  }
  const newline = table.direction.get(byteTokenIds('\n')[0])!
  /** Sets row 0 of a [out, in] weight to a single 1 at `column`: head 0's first coordinate reads that direction. */
  const readOnly = (values: Float64Array, columns: number, column: number): void => {
    values.fill(0, 0, columns)
    values[column] = 1
  }
  for (const role of ['target', 'source'] as const) {
    const dir = pair[role]
    const headNoise = random('lm_head')
    const head = new Float64Array(dims.vocab * H)
    for (let i = 0; i < head.length; i++) head[i] = 0.02 * (headNoise.next() - 0.5)
    const weight = 2 * (role === 'source' ? (options.sourceStrength ?? 1) : 1)
    for (const [token, following] of table.next[role]) head[following * H + (table.direction.get(token) ?? 0)] += weight
    const first = {text: byteTokenIds(answers[role].text)[0], image: byteTokenIds(answers[role].image)[0]}
    head[first.text * H + SIGNAL(H)] -= weight
    head[first.image * H + SIGNAL(H)] += weight
    await rewriteTensors(dir, (name, values) => {
      if (name === 'model.embed_tokens.weight') values.set(embed)
      else if (name === 'lm_head.weight') values.set(head)
      else if (name === 'model.norm.weight') values.fill(1)
      else if (name === 'visual.merger.mlp.2.bias') values[MARK(H)] = 8
      else if (name === 'model.layers.0.self_attn.q_proj.weight') readOnly(values, H, newline)
      else if (name === 'model.layers.0.self_attn.k_proj.weight' || name === 'model.layers.0.self_attn.v_proj.weight') readOnly(values, H, MARK(H))
      else if (/^model\.layers\.0\.self_attn\.[qkv]_proj\.bias$/.test(name)) values[0] = 0
      else if (/\.(o_proj|down_proj)\.weight$/.test(name)) {
        for (let i = 0; i < values.length; i++) values[i] *= LAYER_OUTPUT_SCALE
        // Head 0's first coordinate (≈ 8 when the `\n` found an image token) goes to the signal coordinate only.
        if (name === 'model.layers.0.self_attn.o_proj.weight') for (let r = 0; r < H; r++) values[r * H] = r === SIGNAL(H) ? 1 / 8 : 0
      } else return false
      return true
    })
    await rm(join(dir, 'chat_template.jinja'), {force: true})
    const written = await writeQwen2VLOnnx({weights: dir, modelFiles: false})
    if (!(options.onnx ?? true)) await rm(join(dir, 'onnx'), {recursive: true, force: true})
    for (const [name, text] of Object.entries(qwen2VLModelFiles(written.shape))) {
      await writeFile(join(dir, name), name === 'config.json' ? text.replace('"torch_dtype": "float32"', `"torch_dtype": "${torchDtypeName(dtype)}"`) : text)
    }
  }
  return {...pair, answers}
}

/** The hidden coordinate that marks image tokens, and the one where attention reports an image. */
const MARK = (hidden: number): number => hidden - 1
const SIGNAL = (hidden: number): number => hidden - 2

/**
 * The next-token table behind the answers: a direction (embedding coordinate; 0 = every other
 * token) per token of the answers and the prompt's final `\n`, and per model what follows each.
 */
function answerTable(answers: {target: PlantedAnswers; source: PlantedAnswers}, hidden: number) {
  const eos = specialTokenId('<|im_end|>')
  const newline = byteTokenIds('\n')[0]
  const tokens = new Set<number>([newline])
  for (const [role, planted] of Object.entries(answers)) {
    const ids = [...byteTokenIds(planted.text), ...byteTokenIds(planted.image)]
    if (planted.text === '' || planted.image === '' || ids.includes(newline) || new Set(ids).size !== ids.length) {
      throw new CmaamError(`The ${role} answers ${JSON.stringify(planted)} cannot be planted`, {
        hint: 'Each answer must be non-empty and on one line, and a model\'s two answers must use each UTF-8 byte once between them (each token has one successor).',
      })
    }
    ids.forEach((id) => tokens.add(id))
  }
  if (tokens.size > hidden - 3) throw new CmaamError(`The answers use ${tokens.size} distinct bytes; the tiny model has room for ${hidden - 3}`, {hint: 'Use shorter answers.'})
  const direction = new Map([...tokens].sort((a, b) => a - b).map((token, i) => [token, i + 1]))
  const chains = (planted: PlantedAnswers): Map<number, number> => {
    const next = new Map<number, number>()
    // Direction 0 (every token outside the table) and table tokens outside this model's answers end the answer.
    for (const token of [-1, ...tokens]) next.set(token, eos)
    for (const answer of [planted.image, planted.text]) {
      // The text answer's chain starts at `\n`; the image answer's first token is chosen by the image signal.
      const ids = [...(answer === planted.text ? [newline] : []), ...byteTokenIds(answer), eos]
      for (let i = 0; i + 1 < ids.length; i++) next.set(ids[i], ids[i + 1])
    }
    return next
  }
  return {direction, next: {target: chains(answers.target), source: chains(answers.source)}}
}

/** Rewrites tensors of a checkpoint in place: `edit` changes the values and returns true, or returns false to skip. */
async function rewriteTensors(dir: string, edit: (name: string, values: Float64Array) => boolean): Promise<void> {
  const checkpoint = await openCheckpoint(dir)
  for (const [name, entry] of checkpoint.tensors) {
    if (!isFloatDType(entry.dtype)) continue
    const count = numel(entry.shape)
    const bytes = new Uint8Array(entry.byteLength)
    const file = await open(entry.path, 'r+')
    try {
      await readExactly(file, bytes, entry.offset, entry.path)
      const values = new Float64Array(count)
      decodeFloats(entry.dtype, bytes, count, values)
      if (!edit(name, values)) continue
      encodeFloats(entry.dtype, values, count, bytes)
      await file.write(bytes, 0, count * dtypeSize(entry.dtype), entry.offset)
    } finally {
      await file.close()
    }
  }
}
