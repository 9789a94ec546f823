import type {OutputTensor} from './types'

/**
 * The 8-byte little-endian length prefix and the JSON header, padded with spaces so that the data
 * section starts at a multiple of 8. `begin`/`end` are offsets relative to the data section.
 * The JSON is assembled by hand because object keys that look like integers would be reordered.
 */
export function encodeSafetensorsHeader(
  tensors: ReadonlyArray<OutputTensor & {begin: number; end: number}>,
  metadata: Record<string, string> | null,
): Uint8Array {
  const entries: string[] = []
  if (metadata) entries.push(`"__metadata__":${JSON.stringify(metadata)}`)
  const inDataOrder = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end)
  for (const {name, dtype, shape, begin, end} of inDataOrder) {
    entries.push(`${JSON.stringify(name)}:${JSON.stringify({dtype, shape, data_offsets: [begin, end]})}`)
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`)
  const paddedLength = Math.ceil(json.length / 8) * 8
  const bytes = new Uint8Array(8 + paddedLength).fill(0x20, 8 + json.length)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(paddedLength), true)
  bytes.set(json, 8)
  return bytes
}
