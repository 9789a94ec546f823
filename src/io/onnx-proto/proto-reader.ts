import {CmaamError} from '../../errors'

/** Protobuf wire types (the low 3 bits of a field tag). */
export const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
export const WIRE_LEN = 2
export const WIRE_FIXED32 = 5

/** A field kept as its exact encoded bytes (tag included), re-emitted unchanged when the message is encoded. */
export interface RawField {
  field: number
  bytes: Uint8Array
}

/** An int64 value: a number when it is a safe integer, else a bigint (e.g. INT64_MAX in Slice ends). */
export type Int64 = number | bigint

const decoder = new TextDecoder('utf-8', {fatal: false})

/**
 * Reads protobuf fields from one message's bytes. Lengths and values are checked against the
 * buffer, so truncated or corrupt files end in a CmaamError rather than garbage.
 */
export class ProtoReader {
  pos: number
  private fieldStart = 0
  private readonly view: DataView

  constructor(
    readonly bytes: Uint8Array,
    readonly what = 'ONNX protobuf',
  ) {
    this.pos = 0
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** The next field's number and wire type, or null at the end of the message. */
  next(): {field: number; wire: number} | null {
    if (this.pos >= this.bytes.length) return null
    this.fieldStart = this.pos
    const tag = this.uint()
    const field = Math.floor(tag / 8)
    const wire = tag & 7
    if (field === 0) this.fail('field number 0')
    return {field, wire}
  }

  /** An unsigned varint that fits a JS number (lengths, tags, small enums). */
  uint(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) this.fail('truncated varint')
      const byte = this.bytes[this.pos++]
      result += (byte & 0x7f) * scale
      if (byte < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail('varint too large')
        return result
      }
      scale *= 128
    }
    return this.fail('varint longer than 10 bytes')
  }

  /** A signed int64 varint (two's complement, as protobuf's int64/int32 fields are written). */
  int64(): Int64 {
    const start = this.pos
    let small = 0
    let scale = 1
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.bytes.length) this.fail('truncated varint')
      const byte = this.bytes[this.pos++]
      small += (byte & 0x7f) * scale
      if (byte < 0x80) return small
      scale *= 128
    }
    this.pos = start
    let value = 0n
    let shift = 0n
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) this.fail('truncated varint')
      const byte = this.bytes[this.pos++]
      value |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) {
        const signed = BigInt.asIntN(64, value)
        return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : signed
      }
      shift += 7n
    }
    return this.fail('varint longer than 10 bytes')
  }

  /** An int64 that must be a safe non-negative-or-negative integer (dims, offsets, versions). */
  int(): number {
    const value = this.int64()
    if (typeof value === 'bigint') this.fail(`integer ${value} out of range`)
    return value as number
  }

  float(): number {
    this.need(4)
    const value = this.view.getFloat32(this.pos, true)
    this.pos += 4
    return value
  }

  /** A length-delimited payload, as a view into the source bytes (no copy). */
  bytesField(): Uint8Array {
    const length = this.uint()
    this.need(length)
    const value = this.bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return value
  }

  string(): string {
    return decoder.decode(this.bytesField())
  }

  /** A nested message's reader. */
  message(): ProtoReader {
    return new ProtoReader(this.bytesField(), this.what)
  }

  /** Repeated int64: accepts both packed and unpacked encodings. */
  int64s(wire: number, into: Int64[]): void {
    if (wire !== WIRE_LEN) {
      into.push(this.int64())
      return
    }
    const packed = new ProtoReader(this.bytesField(), this.what)
    while (packed.pos < packed.bytes.length) into.push(packed.int64())
  }

  /** Repeated float: accepts both packed and unpacked encodings. */
  floats(wire: number, into: number[]): void {
    if (wire !== WIRE_LEN) {
      into.push(this.float())
      return
    }
    const payload = this.bytesField()
    if (payload.length % 4 !== 0) this.fail('packed floats not a multiple of 4 bytes')
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
    for (let offset = 0; offset < payload.length; offset += 4) into.push(view.getFloat32(offset, true))
  }

  /** Skips the current field's value and returns the whole field (tag included) unchanged. */
  skip(wire: number, field: number): RawField {
    switch (wire) {
      case WIRE_VARINT:
        this.int64()
        break
      case WIRE_FIXED64:
        this.need(8)
        this.pos += 8
        break
      case WIRE_LEN:
        this.bytesField()
        break
      case WIRE_FIXED32:
        this.need(4)
        this.pos += 4
        break
      default:
        this.fail(`unsupported wire type ${wire}`)
    }
    return {field, bytes: this.bytes.subarray(this.fieldStart, this.pos)}
  }

  private need(length: number): void {
    if (this.pos + length > this.bytes.length) this.fail('truncated field')
  }

  private fail(reason: string): never {
    throw new CmaamError(`${this.what} is not a valid ONNX protobuf (${reason} at byte ${this.pos})`, {
      hint: 'Check that the file is a complete .onnx model; download it again if it was cut short.',
    })
  }
}
