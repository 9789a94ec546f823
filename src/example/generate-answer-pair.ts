import {open, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../errors'
import {decodeFloats, encodeFloats} from '../compute/float-codecs'
import {createRandom} from '../compute/random'
import {dtypeSize, isFloatDType, type FloatDType} from '../io/dtype'
import {openCheckpoint} from '../io/checkpoint/open-checkpoint'
import {numel} from '../io/safetensors/numel'
import {torchDtypeName} from '../report/torch-dtype-name'
import {TINY_DIMS} from './families'
import {generatePair} from './generate-pair'
import {byteTokenIds, specialTokenId} from './qwen2vl-onnx/byte-level-tokenizer'
import {qwen2VLModelFiles} from './qwen2vl-onnx/model-files'
import {writeQwen2VLOnnx} from './qwen2vl-onnx/write-qwen2vl-onnx'

export interface GenerateAnswerPairOptions {
  /** Creates `<dir>/target` (the base) and `<dir>/source` (its fine-tune). */
  dir: string
  /** What each model answers to every question, greedily (default: base "yes", fine-tune "no"). */
  answers?: {target: string; source: string}
  seed?: number
  dtype?: FloatDType
  /** Also write each model's transformers.js ONNX export into its `onnx/` (default true). */
  onnx?: boolean
}

/** How much the layers may add to the residual stream: small, so that the answer table decides. */
const LAYER_OUTPUT_SCALE = 1 / 64

/**
 * A tiny Qwen2-VL pair (the `cmaam example` qwen2vl layout, transformers.js-complete) whose greedy
 * answers are known: each model answers every question with its `answers` string, then stops.
 *
 * How: the layers' output projections (`o_proj`, `down_proj`) are scaled down so that the residual
 * stream at the last position stays ≈ the embedding of the last token; embeddings give each token
 * of the answers (and the `\n` that ends the chat prompt) its own unit direction; `lm_head` rows
 * then act as a next-token table (row j sums the directions of the tokens followed by j; a token
 * outside a model's answer is followed by `<|im_end|>`). Everything else keeps the example pair's
 * random weights and fine-tune shift. The embeddings are the same in both models, so a merge that
 * gives `lm_head.weight` the coefficient α (merged = (1 − α)·base + α·fine-tune) answers like the
 * base for α < 0.5 and like the fine-tune for α > 0.5.
 */
export async function generateAnswerPair(options: GenerateAnswerPairOptions): Promise<{target: string; source: string; answers: {target: string; source: string}}> {
  const answers = options.answers ?? {target: 'yes', source: 'no'}
  const dtype = options.dtype ?? 'BF16'
  const dims = TINY_DIMS
  const table = answerTable(answers, dims.hidden)
  const pair = await generatePair({family: 'qwen2vl', dir: options.dir, dims, dtype, seed: options.seed})
  const random = (key: string) => createRandom(options.seed ?? 0, `answer-pair:${key}`)

  // Same embeddings in both models: a unit direction per table token, plus a little noise.
  const noise = random('embed')
  const embed = new Float64Array(dims.vocab * dims.hidden)
  for (let t = 0; t < dims.vocab; t++) {
    for (let c = 0; c < dims.hidden; c++) embed[t * dims.hidden + c] = 0.02 * (noise.next() - 0.5)
    embed[t * dims.hidden + (table.direction.get(t) ?? 0)] += 1
  }
  for (const role of ['target', 'source'] as const) {
    const dir = pair[role]
    const next = table.next[role]
    const headNoise = random('lm_head')
    const head = new Float64Array(dims.vocab * dims.hidden)
    for (let i = 0; i < head.length; i++) head[i] = 0.02 * (headNoise.next() - 0.5)
    for (const [token, following] of next) head[following * dims.hidden + (table.direction.get(token) ?? 0)] += 2
    await rewriteTensors(dir, (name, values) => {
      if (name === 'model.embed_tokens.weight') values.set(embed)
      else if (name === 'lm_head.weight') values.set(head)
      else if (name === 'model.norm.weight') values.fill(1)
      else if (/\.(o_proj|down_proj)\.weight$/.test(name)) for (let i = 0; i < values.length; i++) values[i] *= LAYER_OUTPUT_SCALE
      else return false
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

/**
 * The next-token table behind the answers: a direction (embedding coordinate, 0 = every other
 * token) per token of the answers and the prompt's final `\n`, and per model what follows each.
 */
function answerTable(answers: {target: string; source: string}, hidden: number) {
  const eos = specialTokenId('<|im_end|>')
  const newline = byteTokenIds('\n')[0]
  const tokens = new Set<number>([newline])
  for (const [role, answer] of Object.entries(answers)) {
    const ids = byteTokenIds(answer)
    if (ids.length === 0 || ids.includes(newline) || new Set(ids).size !== ids.length) {
      throw new CmaamError(`The ${role} answer ${JSON.stringify(answer)} cannot be planted`, {hint: 'An answer must be non-empty, on one line, and use each UTF-8 byte once (each token has one successor).'})
    }
    ids.forEach((id) => tokens.add(id))
  }
  if (tokens.size >= hidden) throw new CmaamError(`The answers use ${tokens.size} distinct bytes; the tiny model has room for ${hidden - 1}`, {hint: 'Use shorter answers.'})
  const direction = new Map([...tokens].sort((a, b) => a - b).map((token, i) => [token, i + 1]))
  const chain = (answer: string): Map<number, number> => {
    const ids = [newline, ...byteTokenIds(answer), eos]
    const next = new Map<number, number>()
    // Direction 0 (every token outside the table) and table tokens outside this answer end the answer.
    for (const token of [-1, ...tokens]) next.set(token, eos)
    for (let i = 0; i + 1 < ids.length; i++) next.set(ids[i], ids[i + 1])
    return next
  }
  return {direction, next: {target: chain(answers.target), source: chain(answers.source)}}
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
      await file.read(bytes, 0, entry.byteLength, entry.offset)
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
