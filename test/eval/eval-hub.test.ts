import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import nock from 'nock'
import {generateAnswerPair} from '../../src/example/generate-answer-pair'
import {cmaam} from '../helpers/cli'
import {useHubEnv} from '../hub/cli-env'
import {createMockHub, type MockHub} from '../hub/mock-hub'

const REPO = 'onnx-community/tiny-qwen2vl'

/** A Hub model is fetched into the HF cache (only what eval reads for the dtype), then used offline too. */
describe('cmaam eval with a Hub model', () => {
  let root: string
  let files: Record<string, Uint8Array>
  let hub: MockHub
  const setEnv = useHubEnv()

  beforeAll(async () => {
    nock.disableNetConnect()
    root = mkdtempSync(join(tmpdir(), 'cmaam-eval-hub-'))
    const pair = await generateAnswerPair({dir: join(root, 'models'), answers: {target: {text: 'yes', image: 'ok'}, source: {text: 'no', image: 'ja'}}})
    const read = (path: string) => new Uint8Array(readFileSync(join(pair.target, path)))
    files = Object.fromEntries([...readdirSync(pair.target).filter((f) => f !== 'onnx'), ...readdirSync(join(pair.target, 'onnx')).map((f) => `onnx/${f}`)].map((path) => [path, read(path)]))
    // A q4 variant the fp32 run must not download.
    files['onnx/decoder_model_merged_q4.onnx'] = new Uint8Array(1000)
    writeFileSync(join(root, 'test.jsonl'), [
      JSON.stringify({messages: [{role: 'user', content: 'Is it?'}, {role: 'assistant', content: 'yes'}]}),
      JSON.stringify({messages: [{role: 'user', content: 'Is it not?'}, {role: 'assistant', content: 'no'}]}),
    ].join('\n') + '\n')
  })
  afterAll(() => {
    nock.enableNetConnect()
    rmSync(root, {recursive: true, force: true})
  })
  beforeEach(() => {
    hub = createMockHub({repos: {[REPO]: {files}}})
    setEnv({HF_HOME: join(root, 'hf-home'), HF_HUB_CACHE: join(root, 'cache'), HF_ENDPOINT: hub.endpoint})
  })
  afterEach(() => hub.close())

  test('downloads the fp32 graphs and model files only, evaluates, and runs again offline from the cache', async () => {
    const out = join(root, 'out')
    const run = await cmaam(['eval', '-m', REPO, '--data', join(root, 'test.jsonl'), '-o', out, '--max-new-tokens', '8', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const fetched = hub.requestsTo('GET', '/resolve/').map((r) => r.path.replace(/^.*\/resolve\/[0-9a-f]{40}\//, '')).filter((path, i, all) => all.indexOf(path) === i).sort()
    expect(fetched).toEqual([
      'config.json', 'generation_config.json',
      'onnx/decoder_model_merged.onnx', 'onnx/embed_tokens.onnx', 'onnx/vision_encoder.onnx',
      'preprocessor_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json',
    ])
    const results = JSON.parse(readFileSync(join(out, 'tiny-qwen2vl_results.json'), 'utf8'))
    expect(results.metrics).toMatchObject({model: 'tiny-qwen2vl', n_samples: 2, exact_match_accuracy: 0.5, contains_accuracy: 0.5})
    expect(results.settings.model).toMatch(new RegExp(`^${REPO}@[0-9a-f]{40}$`))

    hub.close()
    setEnv({HF_HUB_OFFLINE: '1'})
    const offline = await cmaam(['eval', '-m', REPO, '--data', join(root, 'test.jsonl'), '-o', out, '--max-new-tokens', '8', '--restart', '--json'])
    expect(offline.code).toBe(0)
    expect(JSON.parse(offline.stdout).models[0]).toMatchObject({asked: 2, metrics: {exact_match_accuracy: 0.5}})

    const missing = await cmaam(['eval', '-m', 'onnx-community/other', '--data', join(root, 'test.jsonl'), '-o', out])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('Error: Offline mode is on (HF_HUB_OFFLINE) and onnx-community/other@main is not in the cache')
  })
})
