import {sortFloat32, sortUint32} from '../../src/compute/radix-sort'
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

  it('leaves its input untouched', () => {
    const values = Float32Array.from([3, 1, 2])
    sortFloat32(values)
    expect([...values]).toEqual([3, 1, 2])
  })
})
