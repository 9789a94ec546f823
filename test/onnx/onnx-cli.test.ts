import {existsSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {join, relative} from 'node:path'
import {cmaam} from '../helpers/cli'
import {useHubEnv} from '../hub/cli-env'
import {useMockHub} from '../hub/use-mock-hub'
import {useTempDir} from '../helpers/temp-dir'
import type {OnnxApplyReport} from '../../src/onnx/types'
import {makeValues, writeCheckpoint, writeTemplate} from './qwen2vl-fixture'

const REPO = 'onnx-community/tiny-qwen2vl'

function filesUnder(dir: string): Record<string, Uint8Array | string> {
  const out: Record<string, Uint8Array | string> = {}
  const walk = (at: string) => {
    for (const entry of readdirSync(at, {withFileTypes: true})) {
      const path = join(at, entry.name)
      if (entry.isDirectory()) walk(path)
      else out[relative(dir, path)] = readFileSync(path)
    }
  }
  walk(dir)
  return out
}

describe('cmaam onnx apply', () => {
  const tmp = useTempDir()
  const setEnv = useHubEnv()
  const openHub = useMockHub()

  async function setUp() {
    const weights = join(tmp(), 'merged')
    await writeCheckpoint(weights, makeValues(2, {twins: 'differ'}))
    const template = writeTemplate(join(tmp(), 'template'), makeValues(1, {twins: 'equal'}), {precisions: ['fp32', 'fp16', 'q4']})
    return {weights, template: template.dir}
  }

  test('a local template: --json prints the report, onnx/ lands inside --weights', async () => {
    const {weights, template} = await setUp()
    const run = await cmaam(['onnx', 'apply', '--weights', weights, '--template', template, '--dtype', 'fp32,q4', '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as OnnxApplyReport
    expect(report.output).toBe(join(weights, 'onnx'))
    expect(report.files.map((f) => f.file).sort()).toEqual([
      'decoder_model_merged.onnx', 'decoder_model_merged_q4.onnx', 'embed_tokens.onnx', 'embed_tokens_q4.onnx', 'vision_encoder.onnx', 'vision_encoder_q4.onnx',
    ])
    expect(readdirSync(join(weights, 'onnx')).sort()).toEqual([...report.files.map((f) => f.file), 'cmaam_onnx_report.json'].sort())
    // The weights folder lacked preprocessor_config.json: it comes from the template.
    expect(report.copied_files).toEqual(['preprocessor_config.json'])
    expect(existsSync(join(weights, 'preprocessor_config.json'))).toBe(true)

    const again = await cmaam(['onnx', 'apply', '--weights', weights, '--template', template])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^Error: --output .*onnx already exists and is not empty; pass --force to replace it\n/)
  })

  test('a bad --dtype is a one-line error naming the flag', async () => {
    const {weights, template} = await setUp()
    const run = await cmaam(['onnx', 'apply', '--weights', weights, '--template', template, '--dtype', 'q9'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^Error: --dtype: unknown ONNX precision "q9"\nUse a comma-separated list of fp32, fp16, q8, q4, q4f16, or all\.\n$/)
  })

  test('a Hub template: only the requested ONNX files, and the support files the weights lack, are downloaded', async () => {
    const {weights, template} = await setUp()
    const hub = openHub({repos: {[REPO]: {files: {...filesUnder(template), 'tokenizer.json': '{}', 'README.md': '# tiny'}}}})
    setEnv({HF_HOME: join(tmp(), 'hf-home'), HF_HUB_CACHE: join(tmp(), 'cache'), HF_ENDPOINT: hub.endpoint})
    rmSync(join(template, 'onnx'), {recursive: true})
    const run = await cmaam(['onnx', 'apply', '--weights', weights, '--template', REPO, '--dtype', 'q4', '--json'])
    expect(run.code).toBe(0)
    const fetched = hub.requestsTo('GET', '/resolve/').map((r) => decodeURIComponent(r.path.replace(/^.*\/resolve\/[0-9a-f]+\//, '')))
    expect([...new Set(fetched)].sort()).toEqual(['onnx/decoder_model_merged_q4.onnx', 'onnx/embed_tokens_q4.onnx', 'onnx/vision_encoder_q4.onnx', 'preprocessor_config.json', 'tokenizer.json'])
    const report = JSON.parse(run.stdout) as OnnxApplyReport
    expect(report.template).toMatch(new RegExp(`^${REPO}@[0-9a-f]{40}$`))
    expect(report.copied_files.sort()).toEqual(['preprocessor_config.json', 'tokenizer.json'])

    // Offline (HF_HUB_OFFLINE), the cached snapshot serves again without a request.
    const before = hub.requests.length
    setEnv({HF_HUB_OFFLINE: '1'})
    const offline = await cmaam(['onnx', 'apply', '--weights', weights, '--template', REPO, '--dtype', 'q4', '--force', '--quiet'])
    expect(offline.stderr).toBe('')
    expect(offline.code).toBe(0)
    expect(hub.requests.length).toBe(before)
  })

  test('hub merge --onnx-template publishes the safetensors and the ONNX variants in one commit', async () => {
    const {template} = await setUp()
    const token = 'hf_onnxTestToken_1234567890'
    const source = join(tmp(), 'source')
    await writeCheckpoint(source, makeValues(5, {twins: 'differ'}))
    await writeCheckpoint(join(tmp(), 'target'), makeValues(1, {twins: 'equal'}))
    const hub = openHub({
      token,
      repos: {'acme/ft': {files: filesUnder(source)}, 'acme/base': {files: filesUnder(join(tmp(), 'target'))}, [REPO]: {files: filesUnder(template)}},
    })
    setEnv({HF_HOME: join(tmp(), 'hf-home'), HF_HUB_CACHE: join(tmp(), 'cache'), HF_ENDPOINT: hub.endpoint, HF_TOKEN: token})
    const run = await cmaam(['hub', 'merge', '--source', 'acme/ft', '--target', 'acme/base', '--push', 'me/merged', '--method', 'linear', '--onnx-template', REPO, '--onnx-dtype', 'q4', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(hub.commits).toHaveLength(1)
    const paths = hub.commits[0].files.map((f) => f.path)
    expect(paths).toEqual(expect.arrayContaining(['model.safetensors', 'onnx/decoder_model_merged_q4.onnx', 'onnx/embed_tokens_q4.onnx', 'onnx/vision_encoder_q4.onnx', 'onnx/cmaam_onnx_report.json', 'README.md', 'cmaam_config.yaml']))
    expect(paths.filter((p) => p.startsWith('onnx/') && !p.includes('_q4') && p.endsWith('.onnx'))).toEqual([])
    const card = hub.repo('me/merged').files.get('README.md')!.content.toString('utf8')
    expect(card).toMatch(/- transformers\.js\n/)
    expect(card).toContain(`[${REPO}](https://huggingface.co/${REPO})`)
    const config = hub.repo('me/merged').files.get('cmaam_config.yaml')!.content.toString('utf8')
    expect(config).toMatch(new RegExp(`onnx-template: "?${REPO}@[0-9a-f]{40}"?\n`))
  })
})
