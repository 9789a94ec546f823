import {encodeFloatWeight} from '../../src/onnx/encode-float-weight'
import {parameterSource} from '../../src/onnx/parameter-source'

describe('encodeFloatWeight', () => {
  test('a weight larger than one chunk, streamed to a sink and transposed, equals the transpose computed here', () => {
    // 1500 × 1000 = 1.5 M values: two chunks of the 1 M-value working buffer.
    const [rows, cols] = [1500, 1000]
    const values = Float32Array.from({length: rows * cols}, (_, i) => Math.fround(Math.sin(i) * 3))
    const source = parameterSource('F32', new Uint8Array(values.buffer), values.length)
    const chunks: Buffer[] = []
    const result = encodeFloatWeight(source, [cols, rows], 'transposed', 'F32', (chunk) => chunks.push(Buffer.from(chunk)))
    expect(chunks.length).toBeGreaterThanOrEqual(2)
    const written = Buffer.concat(chunks)
    const got = new Float32Array(written.buffer, written.byteOffset, rows * cols)
    for (let r = 0; r < rows; r += 97) for (let c = 0; c < cols; c += 13) expect(got[c * rows + r]).toBe(values[r * cols + c])
    expect(got[rows * cols - 1]).toBe(values[rows * cols - 1])
    expect(result.maxAbsDiff).toBe(0)
    expect(result.bytes.length).toBe(0)
  })

  test('bf16 parameters are read exactly, without a float copy', () => {
    const bits = Uint16Array.from([0x3f80, 0xbf00, 0x4049, 0x0001])
    const source = parameterSource('BF16', new Uint8Array(bits.buffer), 4)
    expect([0, 1, 2, 3].map((i) => source.at(i))).toEqual([1, -0.5, 3.140625, 2 ** -133])
  })
})
