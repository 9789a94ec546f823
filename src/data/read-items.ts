import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'

/** One line of a JSONL file: the parsed object, or null for a broken line (not JSON, or not an object). */
export interface JsonlLine {
  item: Record<string, unknown> | null
  /** Bytes of the line with its newline, for progress. */
  bytes: number
}

/** Streams a JSONL file line by line (blank lines skipped); never holds more than a read buffer. */
export async function* readJsonl(path: string): AsyncGenerator<JsonlLine> {
  const lines = createInterface({input: createReadStream(path, {highWaterMark: 1 << 20}), crlfDelay: Infinity})
  for await (const line of lines) {
    const bytes = Buffer.byteLength(line) + 1
    if (line.trim() === '') continue
    let item: unknown = null
    try {
      item = JSON.parse(line)
    } catch {
      item = null
    }
    yield {item: typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : null, bytes}
  }
}
