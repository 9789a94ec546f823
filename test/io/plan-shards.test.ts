import type {DType} from '../../src/io/dtype'
import {planShards} from '../../src/io/safetensors/plan-shards'

const t = (name: string, dtype: DType, ...shape: number[]) => ({name, dtype, shape})

/** The expected header bytes, built from the literal JSON text. */
function headerBytes(json: string): Buffer {
  const length = Math.ceil(Buffer.byteLength(json) / 8) * 8
  const bytes = Buffer.alloc(8 + length, ' ')
  bytes.writeBigUInt64LE(BigInt(length), 0)
  bytes.write(json, 8, 'utf8')
  return bytes
}

const names = (layout: ReturnType<typeof planShards>) => layout.shards.map((s) => s.tensors.map((x) => x.name))

describe('planShards', () => {
  it('fills shards in order, closes one when the next tensor would exceed the limit, and lays data out by dtype size', () => {
    // Bytes: a 40, b 40, c 20 (exactly 100: fits), e 5 (105 > 100: new shard), d 60.
    const layout = planShards(
      [t('a', 'F32', 10), t('b', 'F32', 2, 5), t('c', 'F16', 10), t('e', 'U8', 5), t('d', 'BF16', 30)],
      {maxShardBytes: 100},
    )
    const first = headerBytes(
      '{"__metadata__":{"format":"pt"},' +
        '"a":{"dtype":"F32","shape":[10],"data_offsets":[0,40]},' +
        '"b":{"dtype":"F32","shape":[2,5],"data_offsets":[40,80]},' +
        '"c":{"dtype":"F16","shape":[10],"data_offsets":[80,100]}}',
    )
    // Within the second shard, BF16 (2 bytes) goes before U8 (1 byte).
    const second = headerBytes(
      '{"__metadata__":{"format":"pt"},' +
        '"d":{"dtype":"BF16","shape":[30],"data_offsets":[0,60]},' +
        '"e":{"dtype":"U8","shape":[5],"data_offsets":[60,65]}}',
    )
    expect(layout.shards.map((s) => s.fileName)).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'])
    expect(Buffer.from(layout.shards[0].header).equals(first)).toBe(true)
    expect(Buffer.from(layout.shards[1].header).equals(second)).toBe(true)
    const h1 = first.length
    const h2 = second.length
    expect(layout.shards[0]).toMatchObject({
      size: h1 + 100,
      tensors: [
        {name: 'a', dtype: 'F32', shape: [10], offset: h1, byteLength: 40},
        {name: 'b', dtype: 'F32', shape: [2, 5], offset: h1 + 40, byteLength: 40},
        {name: 'c', dtype: 'F16', shape: [10], offset: h1 + 80, byteLength: 20},
      ],
    })
    expect(layout.shards[1]).toMatchObject({
      size: h2 + 65,
      tensors: [
        {name: 'd', dtype: 'BF16', shape: [30], offset: h2, byteLength: 60},
        {name: 'e', dtype: 'U8', shape: [5], offset: h2 + 60, byteLength: 5},
      ],
    })
    expect(layout.index).toEqual({
      metadata: {total_size: 165},
      weight_map: {
        a: 'model-00001-of-00002.safetensors',
        b: 'model-00001-of-00002.safetensors',
        c: 'model-00001-of-00002.safetensors',
        d: 'model-00002-of-00002.safetensors',
        e: 'model-00002-of-00002.safetensors',
      },
    })
    // transformers writes weight_map with sorted keys.
    expect(Object.keys(layout.index!.weight_map)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('names a single shard model.safetensors and writes no index', () => {
    const layout = planShards([t('x', 'F32', 4), t('y', 'I64', 2)], {maxShardBytes: 5e9})
    expect(layout.index).toBeNull()
    expect(layout.shards).toHaveLength(1)
    expect(layout.shards[0].fileName).toBe('model.safetensors')
    expect(names(layout)).toEqual([['y', 'x']])
  })

  it('gives a tensor larger than the limit a shard of its own, in order', () => {
    const layout = planShards([t('a', 'U8', 40), t('big', 'U8', 400), t('c', 'U8', 40), t('d', 'U8', 40)], {maxShardBytes: 100})
    expect(names(layout)).toEqual([['a'], ['big'], ['c', 'd']])
    expect(layout.shards.map((s) => s.fileName)).toEqual([
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
    ])
    expect(layout.index!.metadata.total_size).toBe(520)

    expect(names(planShards([t('big', 'U8', 400), t('a', 'U8', 10)], {maxShardBytes: 100}))).toEqual([['big'], ['a']])
  })

  it('sums total_size over all tensors of all shards', () => {
    // 3 × 2 × 4096 × 4096 bytes of BF16 and 7 × 4096 × 4 of F32 with 64 MiB shards: two BF16 fill
    // the first (64 MiB exactly); in the second, F32 data goes before BF16.
    const tensors = [
      ...Array.from({length: 3}, (_, i) => t(`w${i}`, 'BF16', 4096, 4096)),
      ...Array.from({length: 7}, (_, i) => t(`b${i}`, 'F32', 4096)),
    ]
    const layout = planShards(tensors, {maxShardBytes: 64 * 2 ** 20})
    expect(layout.index!.metadata.total_size).toBe(3 * 2 * 4096 * 4096 + 7 * 4096 * 4)
    expect(names(layout)).toEqual([['w0', 'w1'], ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'w2']])
    expect(Object.keys(layout.index!.weight_map)).toHaveLength(10)
  })

  it('keeps format: pt and adds caller metadata to every shard', () => {
    const layout = planShards([t('a', 'U8', 8), t('b', 'U8', 8)], {maxShardBytes: 8, metadata: {merged_by: 'cmaam'}})
    for (const shard of layout.shards) {
      const json = Buffer.from(shard.header).subarray(8).toString('utf8').trimEnd()
      expect(JSON.parse(json).__metadata__).toEqual({format: 'pt', merged_by: 'cmaam'})
    }
  })

  it('refuses a non-positive limit and duplicate names', () => {
    expect(() => planShards([], {maxShardBytes: 0})).toThrow('maxShardBytes must be a positive integer, got 0')
    expect(() => planShards([t('a', 'U8', 1), t('a', 'U8', 1)], {maxShardBytes: 10})).toThrow('Tensor "a" is listed twice')
  })
})
