import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse} from 'yaml'
import {generatePair} from '../../src/example/generate-pair'
import {CmaamError} from '../../src/errors'
import {translateMergekitConfig} from '../../src/merge/config/mergekit-config'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'
import {tensorBytes} from '../merge/helpers'

describe('mergekit configs', () => {
  const tmp = useTempDir()
  // Built once for the file: a base and two fine-tunes (b's own base is not used).
  const pairsDir = mkdtempSync(join(tmpdir(), 'cmaam-mergekit-pairs-'))
  let pairs: {target: string; a: string; b: string}

  beforeAll(async () => {
    const a = await generatePair({family: 'qwen2vl', dir: join(pairsDir, 'a'), seed: 1})
    const b = await generatePair({family: 'qwen2vl', dir: join(pairsDir, 'b'), seed: 2})
    pairs = {target: a.target, a: a.source, b: b.source}
  })
  afterAll(() => rmSync(pairsDir, {recursive: true, force: true}))

  async function expectSameTensors(a: string, b: string): Promise<void> {
    const x = await tensorBytes(a)
    const y = await tensorBytes(b)
    expect([...y.keys()].sort()).toEqual([...x.keys()].sort())
    for (const [name, bytes] of x) if (!bytes.equals(y.get(name)!)) throw new Error(`${name} differs between ${a} and ${b}`)
  }

  /** mergekit YAML (with TARGET, A and B standing for the models) → the cmaam flags of the same merge. */
  const CASES: Array<[string, string, string[]]> = [
    [
      'linear',
      'merge_method: linear\nbase_model: TARGET\nmodels:\n  - model: TARGET\n    parameters: {weight: 0.75}\n  - model: A\n    parameters: {weight: 0.25}\ndtype: float16\n',
      ['-s', 'A', '--method', 'linear', '--alpha', '0.25', '--dtype', 'f16'],
    ],
    [
      'slerp',
      'merge_method: slerp\nbase_model: TARGET\nmodels:\n  - model: TARGET\n  - model: A\nparameters:\n  t:\n    - filter: self_attn\n      value: [0, 0.5, 1]\n    - filter: mlp\n      value: [1, 0.5, 0]\n    - value: 0.5\ndtype: bfloat16\n',
      ['-s', 'A', '--method', 'slerp', '--t', '0.5,self_attn=[0,0.5,1],mlp=[1,0.5,0]', '--dtype', 'bf16'],
    ],
    [
      'task_arithmetic',
      'merge_method: task_arithmetic\nbase_model: TARGET\nmodels:\n  - model: A\n    parameters: {weight: [0.2, 0.6]}\n  - model: B\n    parameters: {weight: 0.4}\nparameters: {lambda: 0.8}\n',
      ['-s', 'A', '-s', 'B', '--method', 'task_arithmetic', '--weights', '[0.2,0.6],0.4', '--lambda', '0.8'],
    ],
    [
      'ties',
      'merge_method: ties\nbase_model: TARGET\nmodels:\n  - model: TARGET\n  - model: A\n    parameters: {weight: 0.6, density: 0.5}\n  - model: B\n    parameters: {weight: 0.4, density: 0.5}\nparameters: {normalize: true, int8_mask: true}\nout_dtype: bfloat16\ntokenizer_source: base\n',
      ['-s', 'A', '-s', 'B', '--method', 'ties', '--weights', '0.6,0.4', '--density', '0.5', '--normalize', '--dtype', 'bf16'],
    ],
    [
      'dare_linear',
      'merge_method: dare_linear\nbase_model: TARGET\nmodels:\n  - model: A\n    parameters: {weight: 1}\n  - model: B\n    parameters: {weight: 1}\nparameters: {density: 0.5}\n',
      ['-s', 'A', '-s', 'B', '--method', 'dare_linear', '--density', '0.5', '--rescale', 'l1'],
    ],
    [
      'dare_ties',
      'merge_method: dare_ties\nbase_model: TARGET\nmodels:\n  - model: A\n    parameters:\n      weight: 0.5\n      density:\n        - filter: mlp\n          value: 0.3\n        - value: 0.6\n  - model: B\n    parameters:\n      weight: 0.5\n      density:\n        - filter: mlp\n          value: 0.3\n        - value: 0.6\nparameters: {rescale: false}\n',
      ['-s', 'A', '-s', 'B', '--method', 'dare_ties', '--weights', '0.5,0.5', '--density', '0.6,mlp=0.3', '--rescale', 'none'],
    ],
    [
      'breadcrumbs',
      'merge_method: breadcrumbs\nbase_model: TARGET\nmodels:\n  - model: A\n    parameters: {weight: 1, density: 0.8, gamma: 0.05}\n',
      ['-s', 'A', '--method', 'breadcrumbs', '--weights', '1', '--density', '0.8', '--gamma', '0.05'],
    ],
    ['model_stock', 'merge_method: model_stock\nbase_model: TARGET\nmodels:\n  - model: A\n  - model: B\n', ['-s', 'A', '-s', 'B', '--method', 'model_stock']],
  ]

  it.each(CASES)('%s: the mergekit config merges byte for byte as the equivalent flags', async (method, yaml, flags) => {
    const models = (text: string): string => text.replace(/TARGET/g, pairs.target).replace(/\bA\b/g, pairs.a).replace(/\bB\b/g, pairs.b)
    const config = join(tmp(), `${method}.yml`)
    writeFileSync(config, models(yaml))
    const fromConfig = await cmaam(['merge', '--config', config, '-o', join(tmp(), 'config'), '--json'])
    expect(fromConfig.stderr).toBe('')
    expect(fromConfig.code).toBe(0)
    expect(JSON.parse(fromConfig.stdout).config.method).toBe(method)
    const fromFlags = await cmaam(['merge', '-t', pairs.target, ...flags.map((f) => (f === 'A' ? pairs.a : f === 'B' ? pairs.b : f)), '-o', join(tmp(), 'flags'), '--quiet'])
    expect(fromFlags.code).toBe(0)
    await expectSameTensors(join(tmp(), 'config'), join(tmp(), 'flags'))
  })

  it('a merge with a mergekit equal writes mergekit_config.yml, which merges again to the same bytes; the card says so', async () => {
    const out = join(tmp(), 'ties')
    const run = await cmaam(['merge', '-s', pairs.a, '-s', pairs.b, '-t', pairs.target, '-o', out, '--method', 'ties', '--density', '0.5,self_attn=0.3', '--weights', '0.7,0.3', '--quiet'])
    expect(run.code).toBe(0)
    const written = parse(readFileSync(join(out, 'mergekit_config.yml'), 'utf8'))
    expect(written).toEqual({
      merge_method: 'ties',
      base_model: pairs.target,
      models: [
        {model: pairs.a, parameters: {weight: 0.7}},
        {model: pairs.b, parameters: {weight: 0.3}},
      ],
      parameters: {lambda: 1, density: [{filter: 'self_attn', value: 0.3}, {value: 0.5}], normalize: true},
      tokenizer_source: 'base',
    })
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain("`mergekit_config.yml` holds the same merge in [mergekit](https://github.com/arcee-ai/mergekit)'s schema")
    const again = await cmaam(['merge', '--config', join(out, 'mergekit_config.yml'), '-o', join(tmp(), 'again'), '--quiet'])
    expect(again.code).toBe(0)
    await expectSameTensors(out, join(tmp(), 'again'))

    // DARE rescaled by 1/density (cmaam's default) has no mergekit ≥ 0.1 equal: no file, no line.
    const dare = join(tmp(), 'dare')
    expect((await cmaam(['merge', '-s', pairs.a, '-t', pairs.target, '-o', dare, '--method', 'dare_linear', '--density', '0.5', '--quiet'])).code).toBe(0)
    expect(() => readFileSync(join(dare, 'mergekit_config.yml'))).toThrow()
    expect(readFileSync(join(dare, 'README.md'), 'utf8')).not.toContain('mergekit_config.yml')
  })

  it('refuses what cmaam cannot merge exactly, naming the key', async () => {
    const refused = (yaml: string): string => {
      try {
        translateMergekitConfig(parse(yaml), 'mk.yml')
      } catch (error) {
        expect(error).toBeInstanceOf(CmaamError)
        return (error as Error).message
      }
      throw new Error('expected a refusal')
    }
    const base = 'base_model: org/base\n'
    expect(refused(`merge_method: passthrough\n${base}slices:\n  - sources:\n      - model: org/a\n        layer_range: [0, 8]\n`)).toMatch(/^mk\.yml: slices: layer slices/)
    expect(refused(`merge_method: della\n${base}models:\n  - model: org/a\n`)).toBe('mk.yml: merge_method: "della" is not a method cmaam runs')
    expect(refused(`merge_method: ties\n${base}models:\n  - model: org/a\n    parameters: {weight: 1}\ntokenizer_source: union\n`)).toMatch(/^mk\.yml: tokenizer_source: "union" is not supported/)
    expect(refused(`merge_method: ties\n${base}models:\n  - model: org/a\n    parameters: {weight: 1, density: 0.5}\n  - model: org/b\n    parameters: {weight: 1, density: 0.7}\n`)).toMatch(/^mk\.yml: models\[1\]\.parameters\.density: differs from models\[0\]'s/)
    expect(refused(`merge_method: ties\n${base}models:\n  - model: org/a\n    parameters: {weight: 1}\nparameters: {epsilon: 0.1}\n`)).toMatch(/^mk\.yml: parameters\.epsilon: ties takes no epsilon/)
    expect(refused(`merge_method: ties\n${base}models:\n  - model: org/a\n    parameters: {weight: 1}\nparameters: {rescale: true}\n`)).toMatch(/^mk\.yml: parameters\.rescale: cmaam rescales only DARE/)
    expect(refused(`merge_method: ties\n${base}models:\n  - model: org/a+org/lora\n    parameters: {weight: 1}\n`)).toMatch(/^mk\.yml: models\[0\]\.model: org\/a\+org\/lora: a model\+LoRA reference/)
    expect(refused(`merge_method: ties\n${base}models:\n  - model: org/a\n    parameters:\n      weight:\n        - filter: mlp\n          value: 0.5\n`)).toMatch(/^mk\.yml: models\[0\]\.parameters\.weight: module filters on a weight/)
    expect(refused(`merge_method: model_stock\n${base}models:\n  - model: org/a\n  - model: org/b\nparameters: {filter_wise: true}\n`)).toMatch(/^mk\.yml: parameters\.filter_wise:/)
    expect(refused(`merge_method: slerp\n${base}models:\n  - model: org/a\n`)).toMatch(/^mk\.yml: parameters\.t: slerp needs t/)
    expect(refused(`merge_method: ties\nmodels:\n  - model: org/a\n`)).toMatch(/^mk\.yml: base_model: expected a model/)

    // Through the command: exit 1, the key in one line.
    const file = join(tmp(), 'union.yml')
    writeFileSync(file, `merge_method: ties\n${base}models:\n  - model: org/a\n    parameters: {weight: 1}\ntokenizer_source: union\n`)
    const run = await cmaam(['merge', '--config', file, '-o', join(tmp(), 'never')])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`${file}: tokenizer_source: "union" is not supported`)

    // Read through the checked YAML reader: no aliases.
    writeFileSync(file, `merge_method: ties\nbase_model: org/base\nmodels:\n  - model: org/a\n    parameters: &p {weight: 1}\n  - model: org/b\n    parameters: *p\n`)
    const alias = await cmaam(['merge', '--config', file, '-o', join(tmp(), 'never')])
    expect(alias.code).toBe(1)
    expect(alias.stderr).toContain(`${file} line 7: the alias *p is not supported`)
  })
})
