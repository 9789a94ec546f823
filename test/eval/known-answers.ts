import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {encodePng} from '../../src/example/encode-png'

/**
 * The evaluation data of the tiny Qwen2-VL pair, whose greedy answers are planted: the base
 * ("target") answers "yes" to a question with an image and "no" to one without, the fine-tune
 * ("source") "네" and "nope". Expected metrics are worked out by hand from the golds below.
 */
export const ANSWERS = {target: {text: 'no', image: 'yes'}, source: {text: 'nope', image: '네'}}

const user = (content: unknown) => ({role: 'user', content})
const assistant = (content: unknown) => ({role: 'assistant', content})
const image = (path: string) => ({type: 'image', path})
const text = (t: string) => ({type: 'text', text: t})

export const ITEMS = [
  // 1. target "yes" ✗ ✗ · source "네" ✓ ✓
  {messages: [user([image('images/red.png'), text('이것은 빨간색입니까?')]), assistant('네')], category: 'color'},
  // 2. target ✗ ✗ · source exact ✗, contains ✓
  {messages: [user([image('images/red.png'), text('Is it red? Explain.')]), assistant('빨간 픽셀이 많다. answer: 네')], category: 'color'},
  // 3. text only: target "no" ✓ ✓ (strip, case) · source "nope" exact ✗, contains ✓
  {messages: [user([text('Is the sky green?')]), assistant(' No ')], category: 'logic'},
  // 4. skipped: missing image
  {messages: [user([image('images/missing.png'), text('What is it?')]), assistant('no')], category: 'color'},
  // 5. skipped: unreadable image
  {messages: [user([image('images/broken.png'), text('What is it?')]), assistant('no')], category: 'logic'},
  // 6. no category: target exact ✗, contains ✓ · source exact ✗, contains ✓
  {messages: [user([text('Is the sky blue?')]), assistant('The sky is blue, so... Answer: NO')]},
  // 7. plain string content: target ✓ ✓ · source exact ✗, contains ✓
  {messages: [user('Say no'), assistant('no')], category: 'logic'},
  // 8. target ✓ ✓ · source ✗ ✗
  {messages: [user([image('images/red.png'), text('Red?')]), assistant('Yes')], category: 'color'},
  // 9. two images: target ✓ ✓ · source ✗ ✗
  {messages: [user([image('images/red.png'), image('images/wide.png'), text('Both red?')]), assistant('yes')], category: 'color'},
]

export const SKIPPED = {missing_image: 1, unreadable_image: 1}
export const TARGET = {
  model: 'target', n_samples: 7, exact_match_accuracy: 4 / 7, contains_accuracy: 5 / 7,
  per_category: {color: {n: 4, exact_match_accuracy: 2 / 4, contains_accuracy: 2 / 4}, logic: {n: 2, exact_match_accuracy: 1, contains_accuracy: 1}},
  skipped: SKIPPED,
}
export const SOURCE = {
  model: 'source', n_samples: 7, exact_match_accuracy: 1 / 7, contains_accuracy: 5 / 7,
  per_category: {color: {n: 4, exact_match_accuracy: 1 / 4, contains_accuracy: 2 / 4}, logic: {n: 2, exact_match_accuracy: 0, contains_accuracy: 1}},
  skipped: SKIPPED,
}

/** Writes `dir/test.jsonl` with ITEMS and the images they name (red.png, wide.png, a broken.png; no missing.png); returns the file. */
export function writeKnownData(dir: string): string {
  mkdirSync(join(dir, 'images'), {recursive: true})
  writeFileSync(join(dir, 'images', 'red.png'), encodePng(40, 30, new Uint8Array(40 * 30 * 3).map((_, i) => (i % 3 === 0 ? 220 : 30))))
  writeFileSync(join(dir, 'images', 'wide.png'), encodePng(90, 30, new Uint8Array(90 * 30 * 3).fill(200)))
  writeFileSync(join(dir, 'images', 'broken.png'), 'not a png')
  const data = join(dir, 'test.jsonl')
  writeFileSync(data, ITEMS.map((item) => JSON.stringify(item)).join('\n') + '\n')
  return data
}
