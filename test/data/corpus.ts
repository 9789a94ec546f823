import {createWriteStream, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export interface CorpusFile {
  name: string
  items: number
  /** Line numbers (0-based, counting items and broken lines together) that hold broken JSON. */
  broken?: number[]
  /** Items whose image file is created under images/ (default: all). */
  withImage?: (i: number) => boolean
}

/** One axolotl-style item: an image part and a question naming its file and index. */
export function corpusItem(file: string, i: number): Record<string, unknown> {
  return {
    id: `${file}#${i}`,
    messages: [
      {role: 'user', content: [{type: 'image', path: `${file}/${i}.jpg`}, {type: 'text', text: `질문 ${i}`}]},
      {role: 'assistant', content: [{type: 'text', text: `답 ${i}`}]},
    ],
  }
}

/** Writes `label_v2/<file>` for each file and the images of the items that have one. */
export function writeCorpus(dir: string, files: CorpusFile[]): void {
  mkdirSync(join(dir, 'label_v2'), {recursive: true})
  for (const f of files) {
    mkdirSync(join(dir, 'images', f.name), {recursive: true})
    const broken = new Set(f.broken ?? [])
    const lines: string[] = []
    for (let i = 0, line = 0; i < f.items; line++) {
      if (broken.has(line)) {
        lines.push('{"messages": [ not json')
        continue
      }
      lines.push(JSON.stringify(corpusItem(f.name, i)))
      if (f.withImage?.(i) ?? true) writeFileSync(join(dir, 'images', f.name, `${i}.jpg`), '')
      i++
    }
    writeFileSync(join(dir, 'label_v2', f.name), lines.join('\n') + '\n')
  }
}

/** A large one-file corpus of short items (text only), written as a stream. */
export async function writeLargeCorpus(dir: string, file: string, lines: number): Promise<void> {
  mkdirSync(join(dir, 'label_v2'), {recursive: true})
  const out = createWriteStream(join(dir, 'label_v2', file))
  for (let i = 0; i < lines; i++) {
    if (!out.write(`{"id":${i},"messages":[{"role":"user","content":"q${i}"}]}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  await new Promise<void>((resolve) => out.end(() => resolve()))
}
