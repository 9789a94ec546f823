import {CmaamError} from '../../src/errors'
import {parseSize} from '../../src/io/safetensors/parse-size'

describe('parseSize', () => {
  it.each([
    ['5GB', 5_000_000_000],
    ['500MB', 500_000_000],
    ['2GiB', 2_147_483_648],
    ['512MiB', 536_870_912],
    ['100KB', 100_000],
    ['12345', 12_345],
    ['12345B', 12_345],
    ['1.5GB', 1_500_000_000],
    ['5gb', 5_000_000_000],
    ['2gib', 2_147_483_648],
    [' 10 MB ', 10_000_000],
    ['1TB', 1e12],
    ['1.0001KB', 1000],
    // 1.001 * 1e6 is 1000999.9999999999 in floating point.
    ['1.001MB', 1_001_000],
  ])('%j is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes)
  })

  it.each(['0', '0GB', '-5GB', '', 'GB', 'five', '5 G', '5XB', '1e9', '0.4B', '5GB5', 'constructor'])('rejects %j', (text) => {
    expect(() => parseSize(text)).toThrow(CmaamError)
    expect(() => parseSize(text)).toThrow(`Invalid --shard-size ${JSON.stringify(text)}: expected a positive size`)
  })

  it('says what to write instead', () => {
    try {
      parseSize('lots')
      throw new Error('no error')
    } catch (error) {
      expect((error as CmaamError).hint).toBe('Use a size like 5GB, 500MB, 2GiB, 512MiB, 100KB or a number of bytes.')
    }
  })
})
