import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {cmaam} from '../helpers/cli'

/** Wrong pairs from `cmaam example`: each family's fine-tune against another family's base. */
describe('merges across model families are refused, naming both models', () => {
  let root: string
  const model = (family: string, role: 'source' | 'target') => join(root, family, role)
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cmaam-families-'))
    for (const family of ['qwen2vl', 'llava', 'llava_onevision']) expect((await cmaam(['example', '--family', family, '--out', root, '--quiet'])).code).toBe(0)
  }, 120_000)
  afterAll(() => rmSync(root, {recursive: true, force: true}))

  test.each([
    ['llava', 'qwen2vl', 'llava (model_type "llava", LlavaForConditionalGeneration)', 'qwen2vl (model_type "qwen2_vl", Qwen2VLForConditionalGeneration)'],
    ['llava_onevision', 'llava', 'llava_onevision (model_type "llava_onevision", LlavaOnevisionForConditionalGeneration)', 'llava (model_type "llava", LlavaForConditionalGeneration)'],
    ['qwen2vl', 'llava', 'qwen2vl (model_type "qwen2_vl", Qwen2VLForConditionalGeneration)', 'llava (model_type "llava", LlavaForConditionalGeneration)'],
  ])('a %s source into a %s target', async (sourceFamily, targetFamily, source, target) => {
    const output = join(root, `out-${sourceFamily}-${targetFamily}`)
    const run = await cmaam(['merge', '-s', model(sourceFamily, 'source'), '-t', model(targetFamily, 'target'), '-o', output, '--method', 'linear'])
    expect(run.code).toBe(1)
    const [message, hint] = run.stderr.trimEnd().split('\n')
    expect(message).toBe(`Error: The source and target are different model families: ${model(sourceFamily, 'source')} is ${source}, ${model(targetFamily, 'target')} is ${target}`)
    expect(hint).toContain('--allow-family-mismatch')
    expect(run.stderr).not.toContain('text model')
    expect(existsSync(output)).toBe(false)
  })

  test('--allow-family-mismatch merges anyway, with a warning', async () => {
    const output = join(root, 'allowed')
    const run = await cmaam(['merge', '-s', model('llava_onevision', 'source'), '-t', model('llava', 'target'), '-o', output, '--method', 'linear', '--allow-family-mismatch', '--quiet'])
    expect(run.code).toBe(0)
    expect(run.stderr).toContain(`Warning: The source and target are different model families: ${model('llava_onevision', 'source')} is llava_onevision`)
    expect(readFileSync(join(output, 'cmaam_config.yaml'), 'utf8')).toContain('allow-family-mismatch: true')
  })

  test('another model_type of the same family is a warning naming both', async () => {
    const source = join(root, 'qwen25')
    cpSync(model('qwen2vl', 'source'), source, {recursive: true})
    const config = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8'))
    writeFileSync(join(source, 'config.json'), JSON.stringify({...config, model_type: 'qwen2_5_vl', architectures: ['Qwen2_5_VLForConditionalGeneration']}))
    const run = await cmaam(['merge', '-s', source, '-t', model('qwen2vl', 'target'), '-o', join(root, 'qwen25-out'), '--method', 'linear', '--quiet'])
    expect(run.code).toBe(0)
    expect(run.stderr).toContain(
      `Warning: the source and target are different qwen2vl models: ${source} is qwen2vl (model_type "qwen2_5_vl", Qwen2_5_VLForConditionalGeneration), ${model('qwen2vl', 'target')} is qwen2vl (model_type "qwen2_vl", Qwen2VLForConditionalGeneration); check that the source is a fine-tune of the target.`,
    )
  })

  test('analyze refuses the same pairs', async () => {
    const run = await cmaam(['analyze', '-s', model('llava', 'source'), '-t', model('qwen2vl', 'target')])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^Error: The source and target are different model families: /)
  })
})
