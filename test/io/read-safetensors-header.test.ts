import {mkdirSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {CmaamError} from '../../src/errors'
import {parseSafetensorsHeader} from '../../src/io/safetensors/parse-safetensors-header'
import {readSafetensorsHeader} from '../../src/io/safetensors/read-safetensors-header'
import {useTempDir} from '../helpers/temp-dir'
import {rawSafetensors} from './helpers'

const tmp = useTempDir()

const f32 = (name: string, begin: number, end: number, shape = [(end - begin) / 4]) => ({
  [name]: {dtype: 'F32', shape, data_offsets: [begin, end]},
})

/** Writes `bytes` as a file and returns the error reading it throws. */
async function errorFor(bytes: Buffer): Promise<CmaamError> {
  const path = join(tmp(), 'bad.safetensors')
  writeFileSync(path, bytes)
  const error = await readSafetensorsHeader(path).then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CmaamError)
  const {message, hint} = error as CmaamError
  expect(message).toContain(path)
  expect(message).not.toContain('\n')
  expect(hint).toBeTruthy()
  return error as CmaamError
}

describe('readSafetensorsHeader accepts', () => {
  it('a hand-built file, with absolute offsets in data order and a relative path made absolute', async () => {
    const dir = tmp()
    // Header lists b before a; a comes first in the data section. Header padded with spaces, as the reference writer does.
    const header = JSON.stringify({__metadata__: {format: 'pt'}, ...f32('b', 8, 12), ...f32('a', 0, 8)}).padEnd(160, ' ')
    writeFileSync(join(dir, 'm.safetensors'), rawSafetensors(header, 12))
    const result = await readSafetensorsHeader(relative(process.cwd(), join(dir, 'm.safetensors')))
    expect(result).toEqual({
      path: join(dir, 'm.safetensors'),
      fileSize: 8 + 160 + 12,
      dataOffset: 168,
      metadata: {format: 'pt'},
      tensors: [
        {name: 'a', dtype: 'F32', shape: [2], offset: 168, byteLength: 8},
        {name: 'b', dtype: 'F32', shape: [1], offset: 176, byteLength: 4},
      ],
    })
  })

  it('an empty header with an empty data section, and zero-length tensors between others', async () => {
    writeFileSync(join(tmp(), 'e.safetensors'), rawSafetensors('{}'))
    expect(await readSafetensorsHeader(join(tmp(), 'e.safetensors'))).toMatchObject({tensors: [], metadata: null, dataOffset: 10})

    const header = {...f32('a', 0, 4), z: {dtype: 'I64', shape: [3, 0], data_offsets: [4, 4]}, ...f32('b', 4, 8)}
    writeFileSync(join(tmp(), 'z.safetensors'), rawSafetensors(header, 8))
    const {tensors} = await readSafetensorsHeader(join(tmp(), 'z.safetensors'))
    expect(tensors.map((t) => [t.name, t.byteLength])).toEqual([
      ['a', 4],
      ['z', 0],
      ['b', 4],
    ])
  })
})

describe('readSafetensorsHeader rejects', () => {
  it('a missing file', async () => {
    const path = join(tmp(), 'nope.safetensors')
    await expect(readSafetensorsHeader(path)).rejects.toThrow(`Safetensors file not found: ${path}`)
  })

  it('a folder', async () => {
    const path = join(tmp(), 'dir.safetensors')
    mkdirSync(path)
    await expect(readSafetensorsHeader(path)).rejects.toThrow(`Not a safetensors file: ${path} is not a regular file`)
  })

  it('a file shorter than 8 bytes', async () => {
    const error = await errorFor(Buffer.from([1, 0, 0, 0, 0]))
    expect(error.message).toContain('it is 5 bytes long, shorter than the 8-byte header length')
  })

  it('a header length over 100,000,000 bytes (e.g. a Git LFS pointer)', async () => {
    const lfsPointer = Buffer.from('version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n')
    const error = await errorFor(lfsPointer)
    expect(error.message).toMatch(/the header length \d+ exceeds the 100,000,000-byte limit/)
    expect(error.hint).toContain('git lfs pull')

    const justOver = await errorFor(rawSafetensors('{}', 0, 100_000_001n))
    expect(justOver.message).toContain('the header length 100000001 exceeds')
  })

  it('a header that extends past the end of the file', async () => {
    const error = await errorFor(rawSafetensors('{}', 0, 50n))
    expect(error.message).toContain('the header length 50 reaches past the end of the file (10 bytes)')
  })

  it('a header that is not UTF-8', async () => {
    // {"\xff": {}} : valid JSON syntax around a byte that is never valid UTF-8.
    const error = await errorFor(rawSafetensors(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x7b, 0x7d, 0x7d])))
    expect(error.message).toContain('the header is not valid UTF-8 JSON (The encoded data was not valid for encoding utf-8)')
  })

  it('a header that is not JSON', async () => {
    const error = await errorFor(rawSafetensors('{"a": {"dtype": '))
    expect(error.message).toContain('the header is not valid UTF-8 JSON')
  })

  it('JSON that is not an object', async () => {
    const error = await errorFor(rawSafetensors('[1, 2]'))
    expect(error.message).toContain('the header JSON is not an object')
  })

  it.each([
    ['not an object', 5],
    ['a missing key', {dtype: 'F32', shape: [1]}],
    ['an extra key', {dtype: 'F32', shape: [1], data_offsets: [0, 4], strides: [1]}],
  ])('an entry with %s', async (_, entry) => {
    const error = await errorFor(rawSafetensors({w: entry}, 4))
    expect(error.message).toContain('tensor "w" is not an object with exactly the keys dtype, shape and data_offsets')
  })

  it('an unknown dtype, listing the known ones in the hint', async () => {
    const error = await errorFor(rawSafetensors({w: {dtype: 'F4', shape: [2], data_offsets: [0, 1]}}, 1))
    expect(error.message).toContain('tensor "w" has unknown dtype "F4"')
    expect(error.hint).toBe('Known dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2.')
  })

  it.each([[[-1]], [[1.5]], ['2'], [[2 ** 53]], [[null]]])('shape %j', async (shape) => {
    const error = await errorFor(rawSafetensors({w: {dtype: 'U8', shape, data_offsets: [0, 0]}}))
    expect(error.message).toContain(`tensor "w" has shape ${JSON.stringify(shape)}, not an array of non-negative integers`)
  })

  it.each([[[8, 0]], [[0]], [[-4, 0]], [[0, 1.5]], [{begin: 0, end: 4}]])('data_offsets %j', async (offsets) => {
    const error = await errorFor(rawSafetensors({w: {dtype: 'U8', shape: [4], data_offsets: offsets}}, 8))
    expect(error.message).toContain(`tensor "w" has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with 0 <= begin <= end`)
  })

  it('a byte length that does not match dtype and shape', async () => {
    const error = await errorFor(rawSafetensors({w: {dtype: 'BF16', shape: [2, 3], data_offsets: [0, 6]}}, 6))
    expect(error.message).toContain('tensor "w" spans 6 bytes, but BF16 [2,3] needs 12')
  })

  it('a shape whose byte count is not a safe integer', async () => {
    const error = await errorFor(rawSafetensors({w: {dtype: 'F64', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 8]}}, 8))
    expect(error.message).toContain('tensor "w" spans 8 bytes, but F64')
  })

  it('a tensor outside the data section', async () => {
    const error = await errorFor(rawSafetensors({...f32('a', 0, 4), ...f32('b', 4, 12)}, 8))
    expect(error.message).toContain('tensor "b" ends at byte 12 of the data section, past its end (8 bytes)')
  })

  it('overlapping tensors, naming both', async () => {
    const error = await errorFor(rawSafetensors({...f32('a', 0, 8), ...f32('b', 4, 12)}, 12))
    expect(error.message).toContain('tensors "a" [0, 8) and "b" [4, 12) overlap')
  })

  it('a zero-length tensor placed inside another', async () => {
    const error = await errorFor(rawSafetensors({...f32('a', 0, 8), z: {dtype: 'U8', shape: [0], data_offsets: [4, 4]}}, 8))
    expect(error.message).toContain('tensors "a" [0, 8) and "z" [4, 4) overlap')
  })

  it('a gap between tensors', async () => {
    const error = await errorFor(rawSafetensors({...f32('a', 0, 4), ...f32('b', 8, 12)}, 12))
    expect(error.message).toContain('bytes [4, 8) of the data section belong to no tensor')
  })

  it('a gap before the first tensor', async () => {
    const error = await errorFor(rawSafetensors(f32('a', 4, 8), 8))
    expect(error.message).toContain('bytes [0, 4) of the data section belong to no tensor')
  })

  it('trailing bytes after the last tensor', async () => {
    const error = await errorFor(rawSafetensors(f32('a', 0, 4), 6))
    expect(error.message).toContain('2 trailing bytes after the last tensor (data section is 6 bytes, tensors cover 4)')
  })

  it('data but no tensors', async () => {
    const error = await errorFor(rawSafetensors({__metadata__: {format: 'pt'}}, 3))
    expect(error.message).toContain('3 trailing bytes after the last tensor')
  })

  it('__metadata__ that is not an object', async () => {
    const error = await errorFor(rawSafetensors({__metadata__: ['pt'], ...f32('a', 0, 4)}, 4))
    expect(error.message).toContain('__metadata__ is not an object')
  })

  it('__metadata__ with a non-string value', async () => {
    const error = await errorFor(rawSafetensors({__metadata__: {format: 'pt', total: 3}, ...f32('a', 0, 4)}, 4))
    expect(error.message).toContain('__metadata__ value "total" is not a string')
  })
})

describe('parseSafetensorsHeader', () => {
  it('validates a header without touching the file system', () => {
    const json = new TextEncoder().encode(JSON.stringify({...f32('a', 0, 4), __metadata__: {k: 'v'}}))
    expect(parseSafetensorsHeader(json, {path: '/virtual/x.safetensors', fileSize: 100, dataOffset: 96})).toEqual({
      path: '/virtual/x.safetensors',
      fileSize: 100,
      dataOffset: 96,
      metadata: {k: 'v'},
      tensors: [{name: 'a', dtype: 'F32', shape: [1], offset: 96, byteLength: 4}],
    })
    expect(() => parseSafetensorsHeader(json, {path: '/virtual/x.safetensors', fileSize: 102, dataOffset: 96})).toThrow(
      'Invalid safetensors file /virtual/x.safetensors: 2 trailing bytes after the last tensor',
    )
  })
})
