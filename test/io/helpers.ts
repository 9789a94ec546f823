/**
 * Bytes of a safetensors file built by hand: u64 LE header length, header text, data.
 * `headerLength` overrides the prefix to build files that lie about it.
 */
export function rawSafetensors(header: string | Uint8Array | object, data: Uint8Array | number = 0, headerLength?: bigint): Buffer {
  const json =
    header instanceof Uint8Array ? Buffer.from(header) : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8')
  const prefix = Buffer.alloc(8)
  prefix.writeBigUInt64LE(headerLength ?? BigInt(json.length))
  return Buffer.concat([prefix, json, typeof data === 'number' ? Buffer.alloc(data) : Buffer.from(data)])
}
