/**
 * The ONNX model `C = MatMul(A, B)` with float32 inputs of symbolic shape [m, k] and [k, n],
 * encoded by hand (a few protobuf fields: no protobuf library for one constant graph).
 */
export function matmulModel(): Uint8Array {
  const tensorType = (rows: string, cols: string): Uint8Array =>
    message(1, [varintField(1, 1), message(2, [message(1, [stringField(2, rows)]), message(1, [stringField(2, cols)])])])
  const valueInfo = (field: number, name: string, rows: string, cols: string): Uint8Array => message(field, [stringField(1, name), message(2, [tensorType(rows, cols)])])
  const node = message(1, [stringField(1, 'A'), stringField(1, 'B'), stringField(2, 'C'), stringField(4, 'MatMul')])
  const graph = message(7, [node, stringField(2, 'matmul'), valueInfo(11, 'A', 'm', 'k'), valueInfo(11, 'B', 'k', 'n'), valueInfo(12, 'C', 'm', 'n')])
  return concat([varintField(1, 8), stringField(2, 'cmaam'), graph, message(8, [stringField(1, ''), varintField(2, 13)])])
}

function varint(value: number): number[] {
  const bytes: number[] = []
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80)
    value = Math.floor(value / 128)
  }
  bytes.push(value)
  return bytes
}

function varintField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(field << 3), ...varint(value)])
}

function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(payload.length)]), payload])
}

function stringField(field: number, text: string): Uint8Array {
  return lengthDelimited(field, new TextEncoder().encode(text))
}

function message(field: number, parts: Uint8Array[]): Uint8Array {
  return lengthDelimited(field, concat(parts))
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
