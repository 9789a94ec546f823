import {closeSync, openSync, writeSync} from 'node:fs'

/** Appends text to a file through a small buffer: many files open at once stay cheap. */
export class BufferedWriter {
  private readonly fd: number
  private parts: string[] = []
  private size = 0

  constructor(
    readonly path: string,
    private readonly flushAt = 1 << 16,
  ) {
    this.fd = openSync(path, 'w')
  }

  write(text: string): void {
    this.parts.push(text)
    this.size += text.length
    if (this.size >= this.flushAt) this.flush()
  }

  close(): void {
    this.flush()
    closeSync(this.fd)
  }

  private flush(): void {
    if (this.parts.length === 0) return
    writeSync(this.fd, this.parts.join(''))
    this.parts = []
    this.size = 0
  }
}
