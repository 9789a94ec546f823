import {openSync, readFileSync, readSync, closeSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {DType} from '../../src/io/dtype'
import {encodeSafetensorsHeader} from '../../src/io/safetensors/encode-safetensors-header'
import {planShards} from '../../src/io/safetensors/plan-shards'
import {readSafetensorsHeader} from '../../src/io/safetensors/read-safetensors-header'
import {writeSafetensors} from '../../src/io/safetensors/write-safetensors'
import {useTempDir} from '../helpers/temp-dir'

const tmp = useTempDir()

// Element sizes from the safetensors specification, written out independently of src/io/dtype.ts.
const SIZES: Array<[DType, number]> = [
  ['F64', 8],
  ['F32', 4],
  ['F16', 2],
  ['BF16', 2],
  ['I64', 8],
  ['I32', 4],
  ['I16', 2],
  ['I8', 1],
  ['U64', 8],
  ['U32', 4],
  ['U16', 2],
  ['U8', 1],
  ['BOOL', 1],
  ['F8_E4M3', 1],
  ['F8_E5M2', 1],
]

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(length)
    expect(readSync(fd, buffer, 0, length, offset)).toBe(length)
    return buffer
  } finally {
    closeSync(fd)
  }
}

function valuesFor(dtype: DType, index: number): Buffer {
  // Shape [2, 3]: typed values for typed dtypes, distinct raw bytes for the rest.
  const view = new DataView(new ArrayBuffer(6 * (SIZES.find(([d]) => d === dtype) as [DType, number])[1]))
  for (let i = 0; i < 6; i++) {
    const v = (i - 2) * (index + 1)
    switch (dtype) {
      case 'F64': view.setFloat64(i * 8, v + 0.25, true); break
      case 'F32': view.setFloat32(i * 4, v + 0.5, true); break
      case 'I64': view.setBigInt64(i * 8, BigInt(v) * 1_000_000_000_000n, true); break
      case 'U64': view.setBigUint64(i * 8, 2n ** 63n + BigInt(i), true); break
      case 'I32': view.setInt32(i * 4, v * 100_000, true); break
      case 'U32': view.setUint32(i * 4, 4_000_000_000 + i, true); break
      case 'I16': view.setInt16(i * 2, v * 1000, true); break
      case 'U16': case 'F16': case 'BF16': view.setUint16(i * 2, 0x3c00 + i * 0x101 + index, true); break
      case 'I8': view.setInt8(i, v); break
      case 'BOOL': view.setUint8(i, i % 2); break
      default: view.setUint8(i, 0x80 + i * 17 + index)
    }
  }
  return Buffer.from(view.buffer)
}

describe('safetensors round trip', () => {
  it('writes and reads back every dtype, byte for byte, at the reported offsets', async () => {
    const path = join(tmp(), 'all.safetensors')
    // Mixed element sizes in the written order, so offsets are not all aligned: the reader must not care.
    const tensors = SIZES.map(([dtype], index) => ({name: `t.${dtype.toLowerCase()}`, dtype, shape: [2, 3], data: valuesFor(dtype, index)}))
    await writeSafetensors(path, tensors)

    const file = readFileSync(path)
    const headerLength = Number(file.readBigUInt64LE(0))
    expect(headerLength % 8).toBe(0)
    const header = await readSafetensorsHeader(path)
    expect(header.path).toBe(path)
    expect(header.fileSize).toBe(file.length)
    expect(header.dataOffset).toBe(8 + headerLength)
    expect(header.metadata).toEqual({format: 'pt'})
    expect(header.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name))

    let expectedOffset = 8 + headerLength
    for (const [index, [dtype, size]] of SIZES.entries()) {
      const entry = header.tensors[index]
      expect(entry).toEqual({name: `t.${dtype.toLowerCase()}`, dtype, shape: [2, 3], offset: expectedOffset, byteLength: 6 * size})
      expect(readAt(path, entry.offset, entry.byteLength).equals(tensors[index].data)).toBe(true)
      expectedOffset += 6 * size
    }
    expect(expectedOffset).toBe(file.length)
    // Spot-check decoded values, not just bytes.
    expect(readAt(path, header.tensors[1].offset, 4).readFloatLE(0)).toBe(-3.5)
    expect(readAt(path, header.tensors[8].offset + 8, 8).readBigUInt64LE(0)).toBe(2n ** 63n + 1n)
  })

  it('writes scalars and empty tensors, and no metadata when asked', async () => {
    const path = join(tmp(), 'edge.safetensors')
    const scalar = Buffer.alloc(4)
    scalar.writeFloatLE(7)
    await writeSafetensors(
      path,
      [
        {name: 'empty', dtype: 'F32', shape: [0, 4], data: new Uint8Array(0)},
        {name: 'scalar', dtype: 'F32', shape: [], data: scalar},
      ],
      null,
    )
    const header = await readSafetensorsHeader(path)
    expect(header.metadata).toBeNull()
    expect(header.tensors.map(({name, byteLength}) => [name, byteLength])).toEqual([
      ['empty', 0],
      ['scalar', 4],
    ])
    expect(readAt(path, header.tensors[1].offset, 4).readFloatLE(0)).toBe(7)
  })

  it('refuses data whose length does not match dtype and shape, and duplicate names', async () => {
    await expect(
      writeSafetensors(join(tmp(), 'x.safetensors'), [{name: 'w', dtype: 'F16', shape: [3], data: new Uint8Array(4)}]),
    ).rejects.toThrow('Tensor "w": F16 [3] needs 6 bytes, got 4')
    const one = {name: 'w', dtype: 'U8' as const, shape: [1], data: new Uint8Array(1)}
    await expect(writeSafetensors(join(tmp(), 'y.safetensors'), [one, one])).rejects.toThrow('Tensor "w" is listed twice')
  })
})

describe('encodeSafetensorsHeader', () => {
  it('writes the length prefix, __metadata__ first, tensors in data order, space padding to 8 bytes', () => {
    const bytes = encodeSafetensorsHeader(
      [
        {name: 'b', dtype: 'U8', shape: [3], begin: 8, end: 11},
        {name: '10', dtype: 'F32', shape: [2], begin: 0, end: 8},
      ],
      {format: 'pt'},
    )
    // Integer-like names must not be reordered ahead of __metadata__.
    const json = '{"__metadata__":{"format":"pt"},"10":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}'
    expect(json.length).toBe(139)
    const expected = Buffer.alloc(8 + 144, 0x20)
    expected.writeBigUInt64LE(144n, 0)
    expected.write(json, 8, 'utf8')
    expect(Buffer.from(bytes).equals(expected)).toBe(true)
  })

  it('counts UTF-8 bytes, not characters, and omits __metadata__ when null', () => {
    const bytes = Buffer.from(encodeSafetensorsHeader([{name: 'é', dtype: 'BOOL', shape: [], begin: 0, end: 1}], null))
    const json = '{"é":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}}'
    expect(Buffer.byteLength(json)).toBe(55)
    expect(bytes.readBigUInt64LE(0)).toBe(56n)
    expect(bytes.length).toBe(64)
    expect(bytes.subarray(8).toString('utf8')).toBe(`${json} `)
  })
})

describe('planShards alignment', () => {
  it('places every tensor at a multiple of its element size, contiguously, readable by the reader', async () => {
    // Deterministic pseudo-random mix of dtypes and shapes.
    let seed = 12345
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const tensors = Array.from({length: 60}, (_, i) => {
      const [dtype] = SIZES[next(SIZES.length)]
      return {name: `layer.${i}.weight`, dtype, shape: [1 + next(7), 1 + next(5)]}
    })
    const sizeOf = new Map(SIZES)
    for (const maxShardBytes of [64, 333, 1000, 1e9]) {
      const layout = planShards(tensors, {maxShardBytes})
      expect(layout.shards.flatMap((s) => s.tensors.map((t) => t.name)).sort()).toEqual(tensors.map((t) => t.name).sort())
      for (const shard of layout.shards) {
        expect(shard.header.length % 8).toBe(0)
        let cursor = shard.header.length
        for (const tensor of shard.tensors) {
          expect(tensor.offset % (sizeOf.get(tensor.dtype) as number)).toBe(0)
          expect(tensor.offset).toBe(cursor)
          cursor += tensor.byteLength
        }
        expect(cursor).toBe(shard.size)

        const path = join(tmp(), shard.fileName)
        writeFileSync(path, Buffer.concat([shard.header, Buffer.alloc(shard.size - shard.header.length)]))
        const header = await readSafetensorsHeader(path)
        expect(header.tensors).toEqual(shard.tensors)
        expect(header.metadata).toEqual({format: 'pt'})
      }
    }
  })
})
