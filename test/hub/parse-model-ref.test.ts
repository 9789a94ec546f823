import {mkdir} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {CmaamError} from '../../src/errors'
import {parseModelRef} from '../../src/hub/parse-model-ref'
import {tempDir} from './fixtures'

describe('parseModelRef', () => {
  let cwd: string
  let remove: () => Promise<void>
  beforeAll(async () => {
    ;({dir: cwd, remove} = await tempDir())
    await mkdir(join(cwd, 'org', 'name'), {recursive: true})
    await mkdir(join(cwd, 'local-model'))
  })
  afterAll(() => remove())

  test('an existing path is local, even when it looks like a repo id', () => {
    expect(parseModelRef('local-model', {cwd})).toEqual({kind: 'local', path: join(cwd, 'local-model')})
    expect(parseModelRef('org/name', {cwd})).toEqual({kind: 'local', path: join(cwd, 'org', 'name')})
    expect(parseModelRef(join(cwd, 'local-model'), {cwd})).toEqual({kind: 'local', path: join(cwd, 'local-model')})
  })

  test('a missing two-part path under a folder that exists here is said at once, never tried on the Hub', () => {
    const error = (() => {
      try {
        parseModelRef('local-model/ties3', {cwd})
      } catch (e) {
        return e as CmaamError
      }
    })()
    expect(error).toBeInstanceOf(CmaamError)
    expect(error!.message).toBe(`Model folder not found: ${join(cwd, 'local-model', 'ties3')}`)
    expect(error!.hint).toContain(`${join(cwd, 'local-model')} is a folder here, so "local-model/ties3" was read as a path`)
    expect(error!.code).toBe('NOT_FOUND')
  })

  test.each([
    ['Qwen/Qwen2-VL-2B-Instruct', 'Qwen/Qwen2-VL-2B-Instruct', 'main'],
    ['llava-hf/llava-1.5-7b-hf@v1.0', 'llava-hf/llava-1.5-7b-hf', 'v1.0'],
    ['acme/vlm@0123456789abcdef0123456789abcdef01234567', 'acme/vlm', '0123456789abcdef0123456789abcdef01234567'],
    ['acme/vlm@refs/pr/1', 'acme/vlm', 'refs/pr/1'],
    ['acme/my_model.v2@feature/branch', 'acme/my_model.v2', 'feature/branch'],
  ])('%s is a Hub repo', (ref, repo, revision) => {
    expect(parseModelRef(ref, {cwd})).toEqual({kind: 'hub', repo, revision})
  })

  test.each(['missing-folder', 'acme/vlm@', 'acme/vlm@a..b', '-acme/vlm', 'acme--x/vlm', ''])('%j is neither', (ref) => {
    expect(() => parseModelRef(ref, {cwd})).toThrow(CmaamError)
    expect(() => parseModelRef(ref, {cwd})).toThrow(/is neither an existing folder .* nor a valid Hub repo id/)
  })

  test.each(['./missing/folder/deep', 'a/b/c', 'acme/vlm@/x', '/abs/missing', '../up'])('%j, written as a path, is a missing folder', (ref) => {
    expect(() => parseModelRef(ref, {cwd})).toThrow(`Model folder not found: ${resolve(cwd, ref)}`)
  })
})
