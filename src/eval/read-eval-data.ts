import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {createInterface} from 'node:readline'
import {CmaamError} from '../errors'
import type {EvalItem} from './types'
import {isObject} from '../io/is-object'

const FORMAT_HINT =
  'Each line must be {"messages": [{"role": "user", "content": [{"type": "image", "path": "images/x.jpg"}, {"type": "text", "text": "…"}]}, {"role": "assistant", "content": "…"}]} (content may be a plain string; "category" and "id" are optional).'

/**
 * Reads an evaluation set in the seed's JSONL format, line by line. An item's id is its `id` field,
 * else a hash of its line's content, so it does not depend on the file's order; a repeated line gets
 * `#2`, `#3`… Blank lines are ignored; a malformed line is an error naming the file and line.
 */
export async function readEvalData(path: string): Promise<EvalItem[]> {
  const isFile = await stat(path).then((s) => s.isFile(), () => false)
  if (!isFile) throw new CmaamError(`Data file not found: ${path}`, {code: 'NOT_FOUND', hint: 'Pass --data with a JSONL file of questions and answers, or a folder holding test.jsonl.'})
  const items: EvalItem[] = []
  const seen = new Map<string, number>()
  const lines = createInterface({input: createReadStream(path, 'utf8'), crlfDelay: Infinity})
  let line = 0
  for await (const text of lines) {
    line++
    if (text.trim() === '') continue
    const item = parseItem(text, `${path}:${line}`)
    const count = (seen.get(item.id) ?? 0) + 1
    seen.set(item.id, count)
    items.push({...item, id: count === 1 ? item.id : `${item.id}#${count}`, line})
  }
  if (items.length === 0) throw new CmaamError(`The test set ${path} holds no items`, {hint: FORMAT_HINT})
  return items
}

function parseItem(text: string, where: string): Omit<EvalItem, 'line'> {
  const bad = (what: string): CmaamError => new CmaamError(`${where}: ${what}`, {hint: FORMAT_HINT})
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw bad(`not valid JSON (${(error as Error).message})`)
  }
  if (!isObject(value) || !Array.isArray(value.messages)) throw bad('no "messages" list')
  const messages = value.messages as unknown[]
  const user = messages.find((m) => isObject(m) && m.role === 'user') as Record<string, unknown> | undefined
  const assistant = messages.find((m) => isObject(m) && m.role === 'assistant') as Record<string, unknown> | undefined
  if (!user) throw bad('no message with role "user"')
  if (!assistant) throw bad('no message with role "assistant" (the reference answer)')
  const question = readContent(user.content, bad)
  const gold = readContent(assistant.content, bad)
  if (gold.images.length > 0) throw bad('the assistant message has an image part')
  const category = value.category === undefined || value.category === null ? null : String(value.category)
  if (category !== null && category.trim() === '') throw bad('"category" is empty (leave it out for an item without one)')
  const id = typeof value.id === 'string' || typeof value.id === 'number' ? String(value.id) : createHash('sha256').update(text.trim()).digest('hex').slice(0, 16)
  return {id, question: question.text, images: question.images, gold: gold.text, category}
}

/** A message's content: a string, or a list of `text` and `image` parts. */
function readContent(content: unknown, bad: (what: string) => CmaamError): {text: string; images: string[]} {
  if (typeof content === 'string') return {text: content, images: []}
  if (!Array.isArray(content)) throw bad('message content is neither a string nor a list of parts')
  const texts: string[] = []
  const images: string[] = []
  for (const part of content) {
    if (!isObject(part)) throw bad('a content part is not an object')
    if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text)
    else if (part.type === 'image') {
      const path = part.path ?? part.image
      if (typeof path !== 'string' || path === '') throw bad('an image part has no "path"')
      images.push(path)
    } else throw bad(`unknown content part ${JSON.stringify(part).slice(0, 80)}`)
  }
  return {text: texts.join('\n'), images}
}
