import {closeSync, fsyncSync, openSync, writeSync} from 'node:fs'
import {resolveInside} from '../io/paths/resolve-inside'
import {unsafeInputError} from '../io/paths/unsafe-input-error'
import type {OnnxExternalData} from '../io/onnx-proto/types'

/** Offsets of tensors larger than this are aligned to 4 KiB, so onnxruntime can map them. */
const ALIGN_ABOVE = 1 << 20
const ALIGNMENT = 4096

/**
 * Appends tensor data to external data files (`X.onnx_data`, …) in a folder, one tensor at a
 * time, and returns where each went: the graph keeps only these references.
 */
export class ExternalDataWriter {
  private readonly files = new Map<string, {fd: number; size: number}>()

  /** `template` names the ONNX file the locations come from, in errors. */
  constructor(
    private readonly dir: string,
    private readonly template: string,
  ) {}

  append(location: string, bytes: Uint8Array): OnnxExternalData {
    return this.appendStreamed(location, bytes.length, (put) => put(bytes))
  }

  /** Appends a tensor of `length` bytes that `fill` hands over in pieces, in order. */
  appendStreamed(location: string, length: number, fill: (put: (chunk: Uint8Array) => void) => void): OnnxExternalData {
    let file = this.files.get(location)
    if (!file) {
      // Locations come from the template: each is a fresh file inside the output folder, never an existing one.
      const path = resolveInside({folder: this.dir, entry: location, kind: 'new', file: this.template, what: 'external data location'})
      file = {fd: this.create(path, location), size: 0}
      this.files.set(location, file)
    }
    if (length > ALIGN_ABOVE && file.size % ALIGNMENT !== 0) {
      const padding = ALIGNMENT - (file.size % ALIGNMENT)
      writeAll(file.fd, new Uint8Array(padding))
      file.size += padding
    }
    const offset = file.size
    const target = file
    fill((chunk) => {
      writeAll(target.fd, chunk)
      target.size += chunk.length
    })
    if (file.size - offset !== length) throw new Error(`external data of ${length} bytes got ${file.size - offset}`)
    return {location, offset, length}
  }

  private create(path: string, location: string): number {
    try {
      return openSync(path, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      throw unsafeInputError({file: this.template, entry: location, what: 'external data location', why: 'another file of the output has this name'})
    }
  }

  /** Flushes every file to disk and closes it. */
  close(): void {
    for (const file of this.files.values()) {
      fsyncSync(file.fd)
      closeSync(file.fd)
    }
    this.files.clear()
  }
}

export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done)
}
