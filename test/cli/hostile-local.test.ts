import {cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CmaamError} from '../../src/errors'
import {openLoraAdapter} from '../../src/lora/open-lora-adapter'
import {cmaam, type CliRun} from '../helpers/cli'
import {makeSentinel, treeState} from '../helpers/sentinel'
import {useTempDir} from '../helpers/temp-dir'
import {useHubEnv} from '../hub/cli-env'
import type {MockHub} from '../hub/mock-hub'
import {useMockHub} from '../hub/use-mock-hub'

const TOKEN = 'hf_mock_local_token_1234567890'

/** The one line cmaam prints for a refused input; no stack, no "bug" note, no leaked file content. */
function refusal(run: CliRun): string {
  expect(run.code).toBe(1)
  expect(run.stderr).not.toContain('looks like a bug')
  expect(run.stderr).not.toContain('PRIVATE-KEY')
  expect(run.stdout).not.toContain('PRIVATE-KEY')
  return run.stderr.split('\n')[0] as string
}

describe('hostile local folders, configs and settings', () => {
  const tmp = useTempDir()
  const setEnv = useHubEnv()
  const openHub = useMockHub()
  let sentinel = ''
  let pair = {source: '', target: ''}

  beforeEach(async () => {
    sentinel = makeSentinel(join(tmp(), 'sentinel'))
    expect((await cmaam(['example', '--family', 'qwen2vl', '--out', join(tmp(), 'ex'), '--quiet'])).code).toBe(0)
    pair = {source: join(tmp(), 'ex', 'qwen2vl', 'source'), target: join(tmp(), 'ex', 'qwen2vl', 'target')}
  })

  test.each(['tokenizer.json', 'chat_template.jinja'])('a %s in the target that links out of its folder is refused, never copied', async (name) => {
    rmSync(join(pair.target, name), {force: true})
    symlinkSync(join(sentinel, 'secret.txt'), join(pair.target, name))
    const before = treeState(sentinel)
    const output = join(tmp(), 'out')
    const line = refusal(await cmaam(['merge', '-s', pair.source, '-t', pair.target, '-o', output, '--method', 'linear', '--quiet']))
    expect(line).toBe(`Error: ${pair.target}: model file "${name}" is refused: it is a link that leads out of the folder (to ${join(sentinel, 'secret.txt')})`)
    expect(existsSync(output)).toBe(false)
    expect(treeState(sentinel)).toEqual(before)
  })

  test('a replayed cmaam_config.yaml whose adapter is outside its folder is refused without reading it', async () => {
    const configDir = join(tmp(), 'replay')
    mkdirSync(configDir)
    writeFileSync(join(tmp(), 'private.txt'), 'PRIVATE-KEY-of-someone: not an adapter\n')
    const config = join(configDir, 'cmaam_config.yaml')
    writeFileSync(config, `method: linear\nsource:\n  - ${pair.source}\ntarget: ${pair.target}\nadapter: ../private.txt\n`)
    const before = treeState(sentinel)
    const output = join(tmp(), 'out')
    const line = refusal(await cmaam(['merge', '--config', config, '--output', output]))
    expect(line).toBe(`Error: ${config} line 5: adapter "../private.txt" is refused: it leads out of its folder (..)`)
    expect(existsSync(output)).toBe(false)
    expect(treeState(sentinel)).toEqual(before)

    // An absolute path, and a link inside the folder that leads out, are refused the same way.
    writeFileSync(config, `method: linear\nsource:\n  - ${pair.source}\ntarget: ${pair.target}\nadapter: ${join(tmp(), 'private.txt')}\n`)
    expect(refusal(await cmaam(['merge', '--config', config, '--output', output]))).toMatch(/ line 5: adapter ".*private\.txt" is refused: it is an absolute path$/)
    symlinkSync(join(tmp(), 'private.txt'), join(configDir, 'cmaam_adapter.yaml'))
    writeFileSync(config, `method: linear\nsource:\n  - ${pair.source}\ntarget: ${pair.target}\nadapter: cmaam_adapter.yaml\n`)
    expect(refusal(await cmaam(['merge', '--config', config, '--output', output]))).toMatch(/ line 5: adapter "cmaam_adapter\.yaml" is refused: it is a link that leads out of the folder/)
  })

  test('a LoRA adapter folder whose adapter_config.json links out of it is refused before the file is read', async () => {
    const adapter = join(tmp(), 'adapter')
    mkdirSync(adapter)
    symlinkSync(join(sentinel, 'secret.txt'), join(adapter, 'adapter_config.json'))
    const error = await openLoraAdapter(adapter).catch((e: unknown) => e as CmaamError)
    expect(error).toBeInstanceOf(CmaamError)
    expect((error as CmaamError).message).toBe(`${adapter}: adapter file "adapter_config.json" is refused: it is a link that leads out of the folder (to ${join(sentinel, 'secret.txt')})`)
    expect((error as CmaamError).code).toBe('UNSAFE_INPUT')
  })

  describe('hub push', () => {
    let hub: MockHub
    beforeEach(() => {
      hub = openHub({token: TOKEN})
      setEnv({HF_HOME: join(tmp(), 'hf-home'), HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN})
    })

    test('a file that links out of the folder is refused before anything is sent', async () => {
      const dir = join(tmp(), 'push')
      cpSync(pair.target, dir, {recursive: true})
      symlinkSync(join(sentinel, 'secret.txt'), join(dir, 'notes.txt'))
      const line = refusal(await cmaam(['hub', 'push', dir, 'me/model']))
      expect(line).toBe(`Error: ${dir}: file to upload "notes.txt" is refused: it is a link that leads out of the folder (to ${join(sentinel, 'secret.txt')})`)
      expect(hub.commits).toEqual([])
      expect(hub.requests.filter((r) => r.method !== 'GET')).toEqual([])
    })

    test.each([
      ['a link to its own folder', (dir: string) => symlinkSync('.', join(dir, 'again')), 'again', 'it is a symlink loop (it links to a folder that contains it)'],
      ['two links to each other', (dir: string) => {
        symlinkSync('b', join(dir, 'a'))
        symlinkSync('a', join(dir, 'b'))
      }, 'a', 'it is a symlink loop'],
    ])('a symlink loop (%s) is one clean error', async (_, link, entry, why) => {
      const dir = join(tmp(), 'push')
      cpSync(pair.target, dir, {recursive: true})
      link(dir)
      const line = refusal(await cmaam(['hub', 'push', dir, 'me/model']))
      expect(line).toBe(`Error: ${dir}: ${entry === 'again' ? 'folder' : 'file to upload'} "${entry}" is refused: ${why}`)
      expect(hub.commits).toEqual([])
    })

    test('a link inside the folder to a file inside it is uploaded as that file', async () => {
      const dir = join(tmp(), 'push')
      cpSync(pair.target, dir, {recursive: true})
      symlinkSync('config.json', join(dir, 'config.copy.json'))
      const run = await cmaam(['hub', 'push', dir, 'me/model', '--quiet'])
      expect(run.code).toBe(0)
      expect(hub.commits[0]?.files.map((f) => f.path)).toContain('config.copy.json')
      // The example's card lists no base_model: the push goes through and says so, even with --quiet.
      expect(run.stderr).toBe(`Warning: ${join(dir, 'README.md')} lists no base_model, so the Hub will not link the models this one was made from; add their Hub ids under base_model: in its front matter (cmaam merge --target-id/--source-id write them for local folders).\n`)
    })
  })

  test('a password in HF_ENDPOINT is never shown', async () => {
    setEnv({HF_HOME: join(tmp(), 'hf-home'), HF_ENDPOINT: 'http://alice:s3cr3t-pw@hub.internal:8080/', HF_TOKEN: TOKEN})
    const line = refusal(await cmaam(['hub', 'pull', 'acme/vlm']))
    expect(line).toBe('Error: HF_ENDPOINT must not hold a user name or password: http://alice:***@hub.internal:8080/')
    const all = (await cmaam(['hub', 'pull', 'acme/vlm'])).stderr
    expect(all).not.toContain('s3cr3t')
  })
})
