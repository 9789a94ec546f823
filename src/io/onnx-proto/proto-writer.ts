import type {Int64, RawField} from './proto-reader'
import {WIRE_FIXED32, WIRE_LEN, WIRE_VARINT} from './proto-reader'

const encoder = new TextEncoder()
/** Payloads at least this long are referenced, not copied (initializer data). */
const REFERENCE_BYTES = 4096
/** The scratch buffer grows to this size, then is flushed as a part. */
const MAX_SCRATCH = 65536

/**
 * Writes protobuf fields as a list of parts: small fields go through a scratch buffer, large
 * payloads (tensor data) are referenced as they are, so encoding a model copies no weights.
 */
export class ProtoWriter {
  /** Total encoded length so far. */
  length = 0
  private readonly parts: Uint8Array[] = []
  private scratch = Buffer.allocUnsafe(256)
  private used = 0

  varint(field: number, value: Int64 | boolean): void {
    this.tag(field, WIRE_VARINT)
    this.rawVarint(typeof value === 'boolean' ? (value ? 1 : 0) : value)
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32)
    this.reserve(4)
    this.scratch.writeFloatLE(value, this.used)
    this.used += 4
    this.length += 4
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LEN)
    this.rawVarint(value.length)
    this.append(value)
  }

  string(field: number, value: string): void {
    this.bytes(field, encoder.encode(value))
  }

  /** A nested message, given as the writer that encoded it. */
  message(field: number, child: ProtoWriter): void {
    this.tag(field, WIRE_LEN)
    this.rawVarint(child.length)
    for (const part of child.finish()) this.append(part)
  }

  raw(fields: readonly RawField[] | undefined): void {
    for (const field of fields ?? []) this.append(field.bytes)
  }

  /** The encoded parts, in order; their concatenation is the message. */
  finish(): Uint8Array[] {
    this.flush()
    return this.parts
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire)
  }

  private rawVarint(value: Int64): void {
    this.reserve(10)
    if (typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      let rest = value
      while (rest >= 0x80) {
        this.scratch[this.used++] = (rest % 128) | 0x80
        rest = Math.floor(rest / 128)
        this.length++
      }
      this.scratch[this.used++] = rest
      this.length++
      return
    }
    let rest = BigInt.asUintN(64, BigInt(value))
    while (rest >= 0x80n) {
      this.scratch[this.used++] = Number(rest & 0x7fn) | 0x80
      rest >>= 7n
      this.length++
    }
    this.scratch[this.used++] = Number(rest)
    this.length++
  }

  private append(value: Uint8Array): void {
    if (value.length >= REFERENCE_BYTES) {
      this.flush()
      this.parts.push(value)
    } else {
      this.reserve(value.length)
      this.scratch.set(value, this.used)
      this.used += value.length
    }
    this.length += value.length
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.scratch.length) return
    if (this.scratch.length >= MAX_SCRATCH) {
      this.flush()
      return
    }
    let size = this.scratch.length * 2
    while (size < this.used + bytes) size *= 2
    const grown = Buffer.allocUnsafe(size)
    this.scratch.copy(grown, 0, 0, this.used)
    this.scratch = grown
  }

  private flush(): void {
    if (this.used === 0) return
    this.parts.push(Uint8Array.prototype.slice.call(this.scratch, 0, this.used))
    this.used = 0
  }
}
