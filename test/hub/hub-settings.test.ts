import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../../src/errors'
import {resolveHubSettings} from '../../src/hub/hub-settings'
import {tempDir} from './fixtures'

describe('resolveHubSettings', () => {
  let home: string
  let remove: () => Promise<void>
  beforeEach(async () => {
    ;({dir: home, remove} = await tempDir())
  })
  afterEach(() => remove())

  test('defaults: no token, huggingface.co, ~/.cache/huggingface/hub, online', () => {
    expect(resolveHubSettings({env: {HOME: home}})).toEqual({
      token: null,
      endpoint: 'https://huggingface.co',
      cacheDir: join(home, '.cache', 'huggingface', 'hub'),
      offline: false,
    })
  })

  test('the token comes from the option, else HF_TOKEN, else the token file', async () => {
    await mkdir(join(home, '.cache', 'huggingface'), {recursive: true})
    await writeFile(join(home, '.cache', 'huggingface', 'token'), 'hf_from_file\n')
    expect(resolveHubSettings({env: {HOME: home}}).token).toBe('hf_from_file')
    expect(resolveHubSettings({env: {HOME: home, HF_TOKEN: 'hf_from_env'}}).token).toBe('hf_from_env')
    expect(resolveHubSettings({token: 'hf_from_option', env: {HOME: home, HF_TOKEN: 'hf_from_env'}}).token).toBe('hf_from_option')
    // An empty value does not hide the next source.
    expect(resolveHubSettings({token: '', env: {HOME: home, HF_TOKEN: ' '}}).token).toBe('hf_from_file')
  })

  test('the token file is HF_TOKEN_PATH, else $HF_HOME/token, else under XDG_CACHE_HOME', async () => {
    await writeFile(join(home, 'explicit'), 'hf_explicit')
    await mkdir(join(home, 'hf-home'))
    await writeFile(join(home, 'hf-home', 'token'), 'hf_home\r\n')
    await mkdir(join(home, 'xdg', 'huggingface'), {recursive: true})
    await writeFile(join(home, 'xdg', 'huggingface', 'token'), 'hf_xdg')

    const env = {HOME: home, XDG_CACHE_HOME: join(home, 'xdg')}
    expect(resolveHubSettings({env}).token).toBe('hf_xdg')
    expect(resolveHubSettings({env: {...env, HF_HOME: join(home, 'hf-home')}}).token).toBe('hf_home')
    expect(resolveHubSettings({env: {...env, HF_HOME: join(home, 'hf-home'), HF_TOKEN_PATH: join(home, 'explicit')}}).token).toBe('hf_explicit')
    expect(resolveHubSettings({env: {HOME: home, HF_TOKEN_PATH: join(home, 'missing')}}).token).toBeNull()
  })

  test('~ in paths is the home folder', async () => {
    await writeFile(join(home, 'tok'), 'hf_tilde')
    const settings = resolveHubSettings({env: {HOME: home, HF_TOKEN_PATH: '~/tok', HF_HOME: '~/hf'}})
    expect(settings.token).toBe('hf_tilde')
    expect(settings.cacheDir).toBe(join(home, 'hf', 'hub'))
  })

  test('the cache is HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub', () => {
    expect(resolveHubSettings({env: {HOME: home, XDG_CACHE_HOME: '/xdg'}}).cacheDir).toBe('/xdg/huggingface/hub')
    expect(resolveHubSettings({env: {HOME: home, XDG_CACHE_HOME: '/xdg', HF_HOME: '/hf'}}).cacheDir).toBe('/hf/hub')
    expect(resolveHubSettings({env: {HOME: home, HF_HOME: '/hf', HF_HUB_CACHE: '/cache'}}).cacheDir).toBe('/cache')
  })

  test('the endpoint is the option, else HF_ENDPOINT, without trailing slashes', () => {
    expect(resolveHubSettings({env: {HOME: home, HF_ENDPOINT: 'https://mirror.test/'}}).endpoint).toBe('https://mirror.test')
    expect(resolveHubSettings({endpoint: 'http://localhost:8080//', env: {HOME: home, HF_ENDPOINT: 'https://mirror.test'}}).endpoint).toBe(
      'http://localhost:8080',
    )
    expect(() => resolveHubSettings({env: {HOME: home, HF_ENDPOINT: 'not a url'}})).toThrow(CmaamError)
    expect(() => resolveHubSettings({endpoint: 'ftp://x', env: {HOME: home}})).toThrow(/--endpoint must be an http/)
  })

  test.each([
    ['1', true],
    ['true', true],
    ['YES', true],
    ['on', true],
    ['0', false],
    ['false', false],
    ['', false],
  ])('HF_HUB_OFFLINE=%j → offline %s', (value, offline) => {
    expect(resolveHubSettings({env: {HOME: home, HF_HUB_OFFLINE: value}}).offline).toBe(offline)
  })
})
