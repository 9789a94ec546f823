import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {encodePng} from './encode-png'
import {TINY_IMAGE_SIZE} from './qwen2vl-onnx/qwen2vl-model-files'

/** One question of the example test set: an image (by colour) or none, and the reference answer. */
export interface ExampleQuestion {
  category: string
  question: string
  /** RGB of a plain square image, or null for a question without an image. */
  color: [number, number, number] | null
  answer: string
}

/**
 * The example's VQA test set: Korean questions about images (the fine-tune's task, answered "네"),
 * English ones (the base's habit, "yes") and text-only ones ("no", which both models answer).
 */
export const EXAMPLE_QUESTIONS: readonly ExampleQuestion[] = [
  {category: 'korean', question: '이 사진에 빨간색이 있습니까?', color: [220, 30, 30], answer: '네'},
  {category: 'korean', question: '이 사진은 파란색입니까?', color: [30, 60, 220], answer: '네'},
  {category: 'korean', question: '이 사진에 초록색이 보입니까?', color: [30, 180, 60], answer: '네'},
  {category: 'korean', question: '이 사진은 노란색입니까?', color: [230, 210, 40], answer: '네'},
  {category: 'english', question: 'Is this picture red?', color: [220, 30, 30], answer: 'yes'},
  {category: 'english', question: 'Is there any blue in this picture?', color: [30, 60, 220], answer: 'yes'},
  {category: 'text', question: 'Is the sky green?', color: null, answer: 'no'},
  {category: 'text', question: 'Do fish climb trees?', color: null, answer: 'no'},
]

/**
 * Writes `<dir>/test.jsonl` (the format `cmaam eval` and `cmaam experiment --data` read) and one
 * small PNG per colour under `<dir>/images/`.
 */
export async function writeExampleData(dir: string, questions: readonly ExampleQuestion[] = EXAMPLE_QUESTIONS): Promise<{file: string; items: number}> {
  await mkdir(join(dir, 'images'), {recursive: true})
  const lines: string[] = []
  for (const [i, q] of questions.entries()) {
    let content: string | Array<Record<string, string>> = q.question
    if (q.color) {
      const image = `images/${q.color.map((c) => c.toString(16).padStart(2, '0')).join('')}.png`
      const size = TINY_IMAGE_SIZE
      const rgb = new Uint8Array(size * size * 3).map((_, k) => q.color![k % 3])
      await writeFile(join(dir, image), encodePng(size, size, rgb))
      content = [{type: 'image', path: image}, {type: 'text', text: q.question}]
    }
    lines.push(JSON.stringify({id: `${q.category}-${i + 1}`, category: q.category, messages: [{role: 'user', content}, {role: 'assistant', content: q.answer}]}))
  }
  const file = join(dir, 'test.jsonl')
  await writeFile(file, lines.join('\n') + '\n')
  return {file, items: questions.length}
}
