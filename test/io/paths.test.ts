import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CmaamError} from '../../src/errors'
import {checkEntry} from '../../src/io/paths/check-entry'
import {checkHexId} from '../../src/io/paths/check-hex-id'
import {linkBoundary} from '../../src/io/paths/link-boundary'
import {resolveInside} from '../../src/io/paths/resolve-inside'
import {redactUrl} from '../../src/redact-url'
import {useTempDir} from '../helpers/temp-dir'

function refusal(run: () => unknown): CmaamError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(CmaamError)
    expect((error as CmaamError).code).toBe('UNSAFE_INPUT')
    return error as CmaamError
  }
  throw new Error('not refused')
}

describe('checkEntry', () => {
  const options = {file: 'index.json', what: 'shard'}

  test.each([
    ['model-00001-of-00002.safetensors', ['model-00001-of-00002.safetensors']],
    ['onnx/model.onnx_data', ['onnx', 'model.onnx_data']],
    ['a..b/..c', ['a..b', '..c']],
  ])('accepts %s', (entry, segments) => {
    expect(checkEntry(entry, options)).toEqual(segments)
  })

  test.each([
    ['', 'it is empty'],
    ['.', 'it is not a file name (empty or "." part)'],
    ['a//b', 'it is not a file name (empty or "." part)'],
    ['./a', 'it is not a file name (empty or "." part)'],
    ['a/', 'it is not a file name (empty or "." part)'],
    ['..', 'it leads out of its folder (..)'],
    ['onnx/x.onnx_data_/../../f', 'it leads out of its folder (..)'],
    ['a\\..\\..\\f', 'it leads out of its folder (..)'],
    ['/etc/passwd', 'it is an absolute path'],
    ['\\\\server\\share', 'it is an absolute path'],
    ['C:\\x', 'it is an absolute path'],
    ['a\0b', 'it contains a NUL byte'],
  ])('refuses %j: %s', (entry, why) => {
    expect(refusal(() => checkEntry(entry, options)).message).toBe(`index.json: shard ${JSON.stringify(entry)} is refused: ${why}`)
  })

  test('refuses a value that is not a string', () => {
    expect(refusal(() => checkEntry(7, options)).message).toBe('index.json: shard "7" is refused: it is empty')
  })
})

describe('checkHexId', () => {
  const sha1 = 'a'.repeat(40)
  const sha256 = '0123456789abcdef'.repeat(4)
  test('accepts lowercase hex of the digest length', () => {
    expect(checkHexId(sha1, {kind: 'sha1', file: 'listing', what: 'oid'})).toBe(sha1)
    expect(checkHexId(sha256, {kind: 'sha256', file: 'listing', what: 'oid'})).toBe(sha256)
  })
  test.each([[sha256, 'sha1'], [sha1, 'sha256'], [sha1.toUpperCase(), 'sha1'], [`${'a'.repeat(39)}/`, 'sha1'], ['../../x', 'sha1']] as const)('refuses %s as a %s', (value, kind) => {
    expect(refusal(() => checkHexId(value, {kind, file: 'listing', what: 'oid'})).message).toBe(
      `listing: oid ${JSON.stringify(value)} is refused: it is not a ${kind} (${kind === 'sha1' ? 40 : 64} lowercase hex digits)`,
    )
  })
})

describe('linkBoundary', () => {
  test('a Hugging Face snapshot (and any folder in it) may link into its repo cache folder, nothing wider', () => {
    expect(linkBoundary('/c/hub/models--org--name/snapshots/abc')).toBe('/c/hub/models--org--name')
    expect(linkBoundary('/c/hub/models--org--name/snapshots/abc/onnx')).toBe('/c/hub/models--org--name')
    expect(linkBoundary('/c/hub/datasets--org--name/snapshots/abc')).toBe('/c/hub/datasets--org--name')
  })
  test('any other folder is its own boundary', () => {
    expect(linkBoundary('/work/model')).toBe('/work/model')
    expect(linkBoundary('/work/snapshots/abc')).toBe('/work/snapshots/abc')
    expect(linkBoundary('/work/models--x/blobs')).toBe('/work/models--x/blobs')
  })
})

describe('resolveInside', () => {
  const tmp = useTempDir()
  const read = (folder: string, entry: string, kind: 'file' | 'folder' | 'any' = 'file') => resolveInside({folder, entry, kind, file: 'T', what: 'entry'})

  test('resolves plain files, links that stay inside, and missing files (the caller reports those)', () => {
    const dir = join(tmp(), 'model')
    mkdirSync(join(dir, 'sub'), {recursive: true})
    writeFileSync(join(dir, 'sub', 'a.bin'), 'a')
    symlinkSync('sub/a.bin', join(dir, 'link.bin'))
    expect(read(dir, 'sub/a.bin')).toBe(join(dir, 'sub', 'a.bin'))
    expect(read(dir, 'link.bin')).toBe(join(dir, 'link.bin'))
    expect(read(dir, 'sub', 'folder')).toBe(join(dir, 'sub'))
    expect(read(dir, 'missing.bin')).toBe(join(dir, 'missing.bin'))
  })

  test('refuses links out of the folder, loops and the wrong kind', () => {
    const dir = join(tmp(), 'model')
    mkdirSync(join(dir, 'sub'), {recursive: true})
    writeFileSync(join(tmp(), 'outside.txt'), 'secret')
    symlinkSync(join(tmp(), 'outside.txt'), join(dir, 'out.txt'))
    symlinkSync('..', join(dir, 'up'))
    symlinkSync('loop', join(dir, 'loop'))
    expect(refusal(() => read(dir, 'out.txt')).message).toBe(`T: entry "out.txt" is refused: it is a link that leads out of the folder (to ${join(tmp(), 'outside.txt')})`)
    expect(refusal(() => read(dir, 'up/outside.txt')).message).toContain('it is a link that leads out of the folder')
    expect(refusal(() => read(dir, 'loop')).message).toBe('T: entry "loop" is refused: it is a symlink loop')
    expect(refusal(() => read(dir, 'sub')).message).toBe('T: entry "sub" is refused: it is not a regular file')
    writeFileSync(join(dir, 'f'), '')
    expect(refusal(() => read(dir, 'f', 'folder')).message).toBe('T: entry "f" is refused: it is not a folder')
  })

  test('a Hugging Face snapshot may link into its own blobs/, not to another file of the cache', () => {
    const repo = join(tmp(), 'hub', 'models--org--a')
    const other = join(tmp(), 'hub', 'models--org--b')
    mkdirSync(join(repo, 'blobs'), {recursive: true})
    mkdirSync(join(repo, 'snapshots', 'abc', 'onnx'), {recursive: true})
    mkdirSync(join(other, 'blobs'), {recursive: true})
    writeFileSync(join(repo, 'blobs', 'h1'), 'x')
    writeFileSync(join(other, 'notes.txt'), 'y')
    symlinkSync('../../../blobs/h1', join(repo, 'snapshots', 'abc', 'onnx', 'model.onnx'))
    symlinkSync('../../../../models--org--b/notes.txt', join(repo, 'snapshots', 'abc', 'onnx', 'other.onnx'))
    expect(read(join(repo, 'snapshots', 'abc', 'onnx'), 'model.onnx')).toBe(join(repo, 'snapshots', 'abc', 'onnx', 'model.onnx'))
    expect(refusal(() => read(join(repo, 'snapshots', 'abc', 'onnx'), 'other.onnx')).message).toContain('it is a link that leads out of the folder')
  })

  test('a folder made by huggingface-cli download --local-dir may link into a cache blobs/ folder, and only to a blob', () => {
    const blobs = join(tmp(), 'hub', 'models--org--a', 'blobs')
    const dir = join(tmp(), 'local-dir')
    mkdirSync(blobs, {recursive: true})
    mkdirSync(dir)
    const hash = 'c'.repeat(64)
    writeFileSync(join(blobs, hash), 'tokenizer')
    writeFileSync(join(blobs, 'notes.txt'), 'not a blob')
    symlinkSync(join(blobs, hash), join(dir, 'tokenizer.json'))
    symlinkSync(join(blobs, 'notes.txt'), join(dir, 'notes.txt'))
    expect(read(dir, 'tokenizer.json')).toBe(join(dir, 'tokenizer.json'))
    expect(refusal(() => read(dir, 'notes.txt')).message).toContain('it is a link that leads out of the folder')
  })

  test('a new file: its folders are made inside, never through a link that leads out', () => {
    const dir = join(tmp(), 'staging')
    mkdirSync(dir)
    mkdirSync(join(tmp(), 'elsewhere'))
    symlinkSync(join(tmp(), 'elsewhere'), join(dir, 'away'))
    expect(resolveInside({folder: dir, entry: 'a/b/c.bin', kind: 'new', file: 'T', what: 'location'})).toBe(join(dir, 'a', 'b', 'c.bin'))
    expect(refusal(() => resolveInside({folder: dir, entry: 'away/new/c.bin', kind: 'new', file: 'T', what: 'location'})).message).toBe(
      'T: location "away/new/c.bin" is refused: its folder is a link that leads out of the folder',
    )
  })
})

describe('redactUrl', () => {
  test.each([
    ['Cannot reach http://alice:pw@host:8080/x (3 tries)', 'Cannot reach http://alice:***@host:8080/x (3 tries)'],
    ['see https://hf_abcdef@hub.example/api', 'see https://***@hub.example/api'],
    ['two: http://a:b@x/ and http://c:d@y/', 'two: http://a:***@x/ and http://c:***@y/'],
    ['no credentials: https://huggingface.co/org/name and mail a@b.c', 'no credentials: https://huggingface.co/org/name and mail a@b.c'],
  ])('%s', (text, redacted) => {
    expect(redactUrl(text)).toBe(redacted)
  })
})
