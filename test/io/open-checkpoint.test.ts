import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {CmaamError} from '../../src/errors'
import {openCheckpoint} from '../../src/io/checkpoint/open-checkpoint'
import {readWeightIndex} from '../../src/io/checkpoint/read-weight-index'
import {useTempDir} from '../helpers/temp-dir'
import {rawSafetensors} from './helpers'

const tmp = useTempDir()

/** A hand-built safetensors file of U8 tensors, 4 bytes each, in the given order. */
function writeShard(path: string, ...names: string[]): void {
  const header = Object.fromEntries(names.map((name, i) => [name, {dtype: 'U8', shape: [4], data_offsets: [4 * i, 4 * i + 4]}]))
  writeFileSync(path, rawSafetensors(header, 4 * names.length))
}

function writeIndex(dir: string, weightMap: Record<string, string>, extra: object = {}): void {
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({metadata: {total_size: 1234}, weight_map: weightMap, ...extra}))
}

async function errorFrom(promise: Promise<unknown>): Promise<CmaamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CmaamError)
  expect((error as CmaamError).message).not.toContain('\n')
  expect((error as CmaamError).hint).toBeTruthy()
  return error as CmaamError
}

describe('openCheckpoint', () => {
  it('opens a single model.safetensors, given a relative path', async () => {
    const dir = join(tmp(), 'model')
    mkdirSync(dir)
    writeShard(join(dir, 'model.safetensors'), 'b.weight', 'a.weight')
    writeFileSync(join(dir, 'config.json'), '{}')
    const checkpoint = await openCheckpoint(relative(process.cwd(), dir))
    expect(checkpoint.dir).toBe(dir)
    expect(checkpoint.files).toEqual(['model.safetensors'])
    expect(checkpoint.indexMetadata).toBeNull()
    const headerLength = JSON.stringify({
      'b.weight': {dtype: 'U8', shape: [4], data_offsets: [0, 4]},
      'a.weight': {dtype: 'U8', shape: [4], data_offsets: [4, 8]},
    }).length
    expect([...checkpoint.tensors]).toEqual([
      ['b.weight', {name: 'b.weight', dtype: 'U8', shape: [4], offset: 8 + headerLength, byteLength: 4, path: join(dir, 'model.safetensors')}],
      ['a.weight', {name: 'a.weight', dtype: 'U8', shape: [4], offset: 12 + headerLength, byteLength: 4, path: join(dir, 'model.safetensors')}],
    ])
  })

  it('opens every *.safetensors file of a folder without index, sorted by name', async () => {
    writeShard(join(tmp(), 'part-b.safetensors'), 'y')
    writeShard(join(tmp(), 'part-a.safetensors'), 'x')
    const checkpoint = await openCheckpoint(tmp())
    expect(checkpoint.files).toEqual(['part-a.safetensors', 'part-b.safetensors'])
    expect(checkpoint.tensors.get('y')?.path).toBe(join(tmp(), 'part-b.safetensors'))
  })

  it('opens a sharded folder through its index', async () => {
    const dir = tmp()
    writeShard(join(dir, 'model-00002-of-00002.safetensors'), 'lm_head.weight')
    writeShard(join(dir, 'model-00001-of-00002.safetensors'), 'embed.weight', 'layers.0.weight')
    writeIndex(dir, {
      'lm_head.weight': 'model-00002-of-00002.safetensors',
      'layers.0.weight': 'model-00001-of-00002.safetensors',
      'embed.weight': 'model-00001-of-00002.safetensors',
    })
    // A stray file the index does not list is not read.
    writeShard(join(dir, 'consolidated.safetensors'), 'embed.weight')
    const checkpoint = await openCheckpoint(dir)
    expect(checkpoint.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'])
    expect(checkpoint.indexMetadata).toEqual({total_size: 1234})
    expect([...checkpoint.tensors.keys()]).toEqual(['embed.weight', 'layers.0.weight', 'lm_head.weight'])
    expect(checkpoint.tensors.get('lm_head.weight')?.path).toBe(join(dir, 'model-00002-of-00002.safetensors'))
  })

  it('follows symlinks, as in a Hugging Face cache snapshot', async () => {
    const blobs = join(tmp(), 'models--org--name', 'blobs')
    const snapshot = join(tmp(), 'models--org--name', 'snapshots', 'abc123')
    mkdirSync(blobs, {recursive: true})
    mkdirSync(snapshot, {recursive: true})
    writeShard(join(blobs, 'deadbeef'), 'w')
    symlinkSync('../../blobs/deadbeef', join(snapshot, 'model.safetensors'))
    const checkpoint = await openCheckpoint(snapshot)
    expect(checkpoint.tensors.get('w')).toMatchObject({path: join(snapshot, 'model.safetensors'), byteLength: 4})
  })

  it('refuses a shard listed by the index that is a symlink out of the model folder', async () => {
    const dir = join(tmp(), 'model')
    mkdirSync(dir)
    writeShard(join(tmp(), 'elsewhere.safetensors'), 'a')
    symlinkSync(join(tmp(), 'elsewhere.safetensors'), join(dir, 'model-00001-of-00001.safetensors'))
    writeIndex(dir, {a: 'model-00001-of-00001.safetensors'})
    const error = await errorFrom(openCheckpoint(dir))
    expect(error.code).toBe('UNSAFE_INPUT')
    expect(error.message).toBe(
      `${join(dir, 'model.safetensors.index.json')}: shard "model-00001-of-00001.safetensors" is refused: it is a link that leads out of the folder (to ${join(tmp(), 'elsewhere.safetensors')})`,
    )
  })

  it('refuses a model.safetensors without an index that is a symlink out of the model folder', async () => {
    const dir = join(tmp(), 'model')
    mkdirSync(dir)
    writeShard(join(tmp(), 'elsewhere.safetensors'), 'a')
    symlinkSync(join(tmp(), 'elsewhere.safetensors'), join(dir, 'model.safetensors'))
    const error = await errorFrom(openCheckpoint(dir))
    expect(error.code).toBe('UNSAFE_INPUT')
    expect(error.message).toBe(
      `${dir}: weights file "model.safetensors" is refused: it is a link that leads out of the folder (to ${join(tmp(), 'elsewhere.safetensors')})`,
    )
  })

  it('names the missing shard and the index', async () => {
    const dir = tmp()
    writeShard(join(dir, 'model-00001-of-00002.safetensors'), 'a')
    writeIndex(dir, {a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors'})
    const error = await errorFrom(openCheckpoint(dir))
    expect(error.message).toBe(
      `Missing shard ${join(dir, 'model-00002-of-00002.safetensors')}, listed in ${join(dir, 'model.safetensors.index.json')}`,
    )
  })

  it('rejects a shard tensor that the weight_map does not list', async () => {
    const dir = tmp()
    writeShard(join(dir, 'model-00001-of-00001.safetensors'), 'a', 'extra')
    writeIndex(dir, {a: 'model-00001-of-00001.safetensors'})
    const error = await errorFrom(openCheckpoint(dir))
    expect(error.message).toBe(
      `Inconsistent weight index ${join(dir, 'model.safetensors.index.json')}: tensor "extra" in model-00001-of-00001.safetensors is not in its weight_map`,
    )
  })

  it('rejects a weight_map name that its shard does not contain', async () => {
    const dir = tmp()
    writeShard(join(dir, 'model-00001-of-00001.safetensors'), 'a')
    writeIndex(dir, {a: 'model-00001-of-00001.safetensors', ghost: 'model-00001-of-00001.safetensors'})
    const error = await errorFrom(openCheckpoint(dir))
    expect(error.message).toContain('the weight_map places tensor "ghost" in model-00001-of-00001.safetensors, which does not contain it')
  })

  it('rejects a tensor found in another shard than the weight_map says', async () => {
    const dir = tmp()
    writeShard(join(dir, 's1.safetensors'), 'a', 'b')
    writeShard(join(dir, 's2.safetensors'), 'c')
    writeIndex(dir, {a: 's1.safetensors', b: 's2.safetensors', c: 's2.safetensors'})
    const error = await errorFrom(openCheckpoint(dir))
    expect(error.message).toContain('tensor "b" is in s1.safetensors, but the weight_map places it in s2.safetensors')
  })

  it('rejects a tensor present in two files of a folder without index, naming both', async () => {
    const dir = tmp()
    writeShard(join(dir, 'model.safetensors'), 'a', 'b')
    writeShard(join(dir, 'consolidated.safetensors'), 'b')
    const error = await errorFrom(openCheckpoint(dir))
    expect(error.message).toBe(
      `Tensor "b" is in both ${join(dir, 'consolidated.safetensors')} and ${join(dir, 'model.safetensors')}`,
    )
  })

  it('refuses a folder of PyTorch pickle weights, explaining why and how to convert', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'pytorch_model-00001-of-00002.bin'), 'pickle')
    writeFileSync(join(dir, 'pytorch_model.bin.index.json'), '{}')
    writeFileSync(join(dir, 'config.json'), '{}')
    const error = await errorFrom(openCheckpoint(dir))
    expect(error.message).toContain(dir)
    expect(error.message).toContain('pytorch_model-00001-of-00002.bin, pytorch_model.bin.index.json')
    expect(error.message).toContain('unpickling runs arbitrary code')
    expect(error.hint).toContain(`from_pretrained('${dir}').save_pretrained('${dir}-safetensors', safe_serialization=True)`)
    expect(error.hint).toContain('Convert to Safetensors')
  })

  it('says when a folder has no weights at all', async () => {
    writeFileSync(join(tmp(), 'config.json'), '{}')
    const error = await errorFrom(openCheckpoint(tmp()))
    expect(error.message).toBe(`No safetensors weights in ${tmp()}`)
  })

  it('reports a missing folder, and a file given as folder', async () => {
    const missing = join(tmp(), 'nope')
    expect((await errorFrom(openCheckpoint(missing))).message).toBe(`Model folder not found: ${missing}`)
    writeFileSync(join(tmp(), 'file'), '')
    expect((await errorFrom(openCheckpoint(join(tmp(), 'file')))).message).toBe(
      `Model folder not found: ${join(tmp(), 'file')} is not a folder`,
    )
  })

  it('passes on header errors of a shard', async () => {
    writeFileSync(join(tmp(), 'model.safetensors'), Buffer.from([1, 2, 3]))
    const error = await errorFrom(openCheckpoint(tmp()))
    expect(error.message).toContain(`Invalid safetensors file ${join(tmp(), 'model.safetensors')}: it is 3 bytes long`)
  })
})

describe('readWeightIndex', () => {
  it('reads the index alone, without shards', async () => {
    writeIndex(tmp(), {b: 'model-00002-of-00002.safetensors', a: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors'})
    const index = await readWeightIndex(tmp())
    expect(index.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'])
    expect([...index.weightMap]).toEqual([
      ['b', 'model-00002-of-00002.safetensors'],
      ['a', 'model-00001-of-00002.safetensors'],
      ['c', 'model-00002-of-00002.safetensors'],
    ])
    expect(index.metadata).toEqual({total_size: 1234})
  })

  it('returns null metadata when the index has none', async () => {
    writeFileSync(join(tmp(), 'model.safetensors.index.json'), JSON.stringify({weight_map: {a: 'x.safetensors'}}))
    expect((await readWeightIndex(tmp())).metadata).toBeNull()
  })

  it.each([
    ['missing', null, 'Weight index not found: INDEX'],
    ['not JSON', '{"weight_map": ', 'Invalid weight index INDEX: not valid JSON'],
    ['not an object', '[]', 'Invalid weight index INDEX: the JSON is not an object'],
    ['without weight_map', '{"metadata": {}}', 'Invalid weight index INDEX: it has no "weight_map" object'],
    ['with an empty weight_map', '{"weight_map": {}}', 'Invalid weight index INDEX: "weight_map" is empty'],
    ['with a non-string file', '{"weight_map": {"a": 3}}', 'Invalid weight index INDEX: weight_map entry "a" is not a file name'],
    ['pointing outside the folder', '{"weight_map": {"a": "../x.safetensors"}}', 'INDEX: weight_map entry "a" "../x.safetensors" is refused: it leads out of its folder (..)'],
    ['with metadata that is not an object', '{"metadata": 5, "weight_map": {"a": "x"}}', 'Invalid weight index INDEX: "metadata" is not an object'],
  ])('rejects an index %s', async (_, text, message) => {
    const path = join(tmp(), 'model.safetensors.index.json')
    if (text !== null) writeFileSync(path, text)
    const error = await errorFrom(readWeightIndex(tmp()))
    expect(error.message).toContain(message.replace('INDEX', path))
  })
})
