import {sortBf16, sortFloat32, sortUint32} from '../../src/compute/radix-sort'
import {createRandom} from '../../src/compute/random'

describe('radix sorts', () => {
  const random = createRandom(11, 'radix')

  it('sortUint32 agrees with the built-in numeric sort', () => {
    const values = Uint32Array.from({length: 70_000}, () => random.uint32())
    values[3] = 0
    values[4] = 0xffffffff
    expect([...sortUint32(values)]).toEqual([...Uint32Array.from(values).sort()])
  })

  it('sortFloat32 agrees with the built-in sort, signed zeros and infinities included', () => {
    const values = Float32Array.from({length: 70_000}, () => (random.next() - 0.5) * Math.exp(random.next() * 60 - 30))
    values.set([0, -0, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38], 100)
    const expected = Float32Array.from(values).sort()
    const sorted = sortFloat32(values)
    for (let i = 0; i < values.length; i++) expect(Object.is(sorted[i], expected[i])).toBe(true)
  })

  it('sortBf16 gives the values of bf16 patterns in the built-in sort order, signed zeros and subnormals included', () => {
    const bits = Uint16Array.from({length: 70_000}, () => {
      for (;;) {
        const b = random.below(0x10000)
        if ((b & 0x7f80) !== 0x7f80) return b // finite only, as the statistics pass sorts
      }
    })
    bits.set([0x0000, 0x8000, 0x0001, 0x8001, 0x7f7f, 0xff7f, 0x3f80, 0x3f80], 100)
    const values = Float32Array.from(bits, (b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0])
    const expected = values.sort()
    const sorted = sortBf16(bits)
    expect(sorted.length).toBe(expected.length)
    for (let i = 0; i < expected.length; i++) expect(Object.is(sorted[i], expected[i])).toBe(true)
  })

  it('leaves its input untouched', () => {
    const values = Float32Array.from([3, 1, 2])
    sortFloat32(values)
    expect([...values]).toEqual([3, 1, 2])
  })
})
