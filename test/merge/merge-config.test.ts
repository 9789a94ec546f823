import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../../src/errors'
import {mergeConfigYaml} from '../../src/merge/config/merge-config-yaml'
import {readMergeConfig} from '../../src/merge/config/read-merge-config'
import {getAdapter} from '../../src/models'
import type {MethodName} from '../../src/merge/methods/types'
import {useTempDir} from '../helpers/temp-dir'

const tmp = useTempDir()

const SETTINGS = {
  method: {default: 'cmaam' as MethodName, components: {}},
  params: {},
  weights: null,
  normalize: null,
  alphaFrom: null,
  alpha: {strategy: 'component' as const, baseAlpha: 0.4, componentBaseAlpha: {vision: 0.3, bridge: 0.55}},
  modelType: 'auto',
  compat: 'reference' as const,
  seed: 7,
  dtype: 'BF16' as const,
  maxShardBytes: 2e9,
  analyze: true,
  saveAlphas: false,
  allowNonfinite: false,
}

async function read(text: string): Promise<ReturnType<typeof readMergeConfig>> {
  const path = join(tmp(), 'cmaam_config.yaml')
  await writeFile(path, text)
  return readMergeConfig(path)
}

describe('cmaam_config.yaml', () => {
  test('is written with every setting, keyed by flag name, and read back as flags', async () => {
    const yaml = mergeConfigYaml({sources: ['acme/ft@0123456789abcdef0123456789abcdef01234567'], target: '/models/my base', settings: SETTINGS})
    expect(yaml).toContain(
      [
        'source: acme/ft@0123456789abcdef0123456789abcdef01234567',
        'target: "/models/my base"',
        'method: cmaam',
        'strategy: component',
        'base-alpha: 0.4',
        'min-alpha: 0.05',
        'max-alpha: 0.95',
        'component-alpha:',
        '  vision: 0.3',
        '  bridge: 0.55',
        'model-type: auto',
        'compat: reference',
        'seed: 7',
        'dtype: bf16',
        'shard-size: 2000000000',
        'analyze: true',
        'save-alphas: false',
        'allow-nonfinite: false',
      ].join('\n'),
    )
    expect(yaml).not.toMatch(/^alpha:/m)
    expect(await read(yaml)).toEqual({
      source: 'acme/ft@0123456789abcdef0123456789abcdef01234567',
      target: '/models/my base',
      method: 'cmaam',
      strategy: 'component',
      'base-alpha': '0.4',
      'min-alpha': '0.05',
      'max-alpha': '0.95',
      'component-alpha': 'vision=0.3,bridge=0.55',
      'model-type': 'auto',
      compat: 'reference',
      seed: '7',
      dtype: 'bf16',
      'shard-size': '2000000000',
      analyze: true,
      'save-alphas': false,
      'allow-nonfinite': false,
    })
    // An --adapter merge names the definition it writes beside the config, read back relative to the config's folder.
    const adapter = getAdapter('qwen2vl')
    const withAdapter = mergeConfigYaml({sources: ['a/b@x'], target: 'c/d@y', settings: {...SETTINGS, adapter}})
    expect(withAdapter).toContain('model-type: auto\nadapter: cmaam_adapter.json\ncompat: reference\n')
    expect((await read(withAdapter)).adapter).toBe(join(tmp(), 'cmaam_adapter.json'))
    const linear = mergeConfigYaml({sources: ['a/b@x'], target: 'c/d@y', settings: {...SETTINGS, method: {default: 'linear', components: {}}, params: {alpha: {default: 0.3, components: {}}}}})
    expect(linear).toContain('method: linear\nalpha: 0.3\n')
  })

  test('writes per-component methods and parameters as maps and several sources as a list, and reads them back as flags', async () => {
    const settings = {
      ...SETTINGS,
      method: {default: 'ties' as MethodName, components: {vision: 'keep-target' as MethodName, bridge: 'breadcrumbs' as MethodName}},
      params: {density: {default: 0.5, components: {language: 0.3}}, gamma: {default: 0.02, components: {}}},
      weights: [0.7, 0.3],
      normalize: false,
      alphaFrom: 'cmaam' as const,
    }
    const yaml = mergeConfigYaml({sources: ['org/a@1', 'org/b@2'], target: 'org/base@3', settings})
    expect(yaml).toContain(
      [
        'source:',
        '- org/a@1',
        '- org/b@2',
        'target: org/base@3',
        'method:',
        '  default: ties',
        '  vision: keep-target',
        '  bridge: breadcrumbs',
        'lambda: 1',
        'density:',
        '  default: 0.5',
        '  language: 0.3',
        'gamma: 0.02',
        'weights:',
        '- 0.7',
        '- 0.3',
        'normalize: false',
        'alpha-from: cmaam',
      ].join('\n'),
    )
    expect(yaml).not.toMatch(/^(alpha|t):/m)
    expect(await read(yaml)).toMatchObject({
      source: ['org/a@1', 'org/b@2'],
      target: 'org/base@3',
      method: 'ties,vision=keep-target,bridge=breadcrumbs',
      lambda: '1',
      density: '0.5,language=0.3',
      gamma: '0.02',
      weights: '0.7,0.3',
      normalize: false,
      'alpha-from': 'cmaam',
    })
  })

  test('accepts comments, quotes, snake_case keys and a flat component-alpha', async () => {
    const config = await read(
      [
        '# my merge',
        '---',
        "source: 'org/it''s'   # a comment",
        'target: "org/base#1"',
        'base_alpha: 0.3',
        'component_alpha: vision=0.2',
        'save_alphas: true',
        '',
      ].join('\n'),
    )
    expect(config).toEqual({source: "org/it's", target: 'org/base#1', 'base-alpha': '0.3', 'component-alpha': 'vision=0.2', 'save-alphas': true})
  })

  test.each([
    ['token: hf_abc', 'line 1: a config file must not hold a token'],
    ['source: a/b\nsource: c/d', 'line 2: source is set twice'],
    ['force: true', 'line 1: unknown key "force"'],
    ['analyze: maybe', 'line 1: analyze must be true or false, got "maybe"'],
    ['seed', 'line 1: expected "key: value"'],
    ['seed:', 'line 1: seed has no value'],
    ['target: "org/b', 'line 1: Missing closing "quote'],
    ['component-alpha:\n  vision: [0.3]', 'line 2: expected "  component: alpha" under component-alpha'],
  ])('refuses %j', async (text, message) => {
    const error = await read(text).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CmaamError)
    expect((error as CmaamError).message).toContain(`cmaam_config.yaml ${message}`)
    expect((error as CmaamError).message).not.toContain('hf_abc')
  })

  test('a missing file is one clear error', async () => {
    await expect(readMergeConfig(join(tmp(), 'nope.yaml'))).rejects.toThrow(/Cannot read the config file .*nope\.yaml \(ENOENT\)/)
  })
})
