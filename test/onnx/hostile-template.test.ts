import {copyFileSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {decodeModel, encodeModel} from '../../src/io/onnx-proto'
import {cmaam} from '../helpers/cli'
import {makeSentinel, treeState} from '../helpers/sentinel'
import {useTempDir} from '../helpers/temp-dir'
import {useHubEnv} from '../hub/cli-env'
import {useMockHub} from '../hub/use-mock-hub'
import {makeValues, writeCheckpoint, writeTemplate} from './qwen2vl-fixture'

const DECODER = 'decoder_model_merged.onnx'
/** A decoder parameter whose new value `onnx apply` writes into the template's external data. */
const WRITTEN = 'model.norm.weight'

describe('onnx apply with a hostile template', () => {
  const tmp = useTempDir()

  async function setUp() {
    const sentinel = makeSentinel(join(tmp(), 'sentinel'))
    const weights = join(tmp(), 'work', 'merged')
    await writeCheckpoint(weights, makeValues(2, {twins: 'differ'}))
    const template = writeTemplate(join(tmp(), 'work', 'template'), makeValues(1, {twins: 'equal'}), {precisions: ['fp32'], external: true}).dir
    return {sentinel, weights, template, decoder: join(template, 'onnx', DECODER)}
  }

  /** Runs `onnx apply`, expecting one refused line; nothing outside the template may change, and no output appears. */
  async function expectRefused(paths: {sentinel: string; weights: string; template: string}, message: RegExp): Promise<void> {
    const before = {sentinel: treeState(paths.sentinel), weights: treeState(paths.weights)}
    const run = await cmaam(['onnx', 'apply', '--weights', paths.weights, '--template', paths.template, '--dtype', 'fp32'])
    expect(run.code).toBe(1)
    const [line] = run.stderr.split('\n')
    expect(line).toMatch(message)
    expect(run.stderr).not.toContain('looks like a bug')
    expect(run.stderr).not.toContain('PRIVATE-KEY')
    expect(treeState(paths.sentinel)).toEqual(before.sentinel)
    // No onnx/ output and no staging folder left next to it.
    expect(treeState(paths.weights)).toEqual(before.weights)
  }

  /** Re-encodes the decoder with `location` for one initializer (or every external one). */
  function setLocation(decoder: string, location: string, only?: string): void {
    const model = decodeModel(readFileSync(decoder), decoder)
    for (const tensor of model.graph.initializer) {
      if (tensor.externalData && (only === undefined || tensor.name === only)) tensor.externalData = {...tensor.externalData, location}
    }
    writeFileSync(decoder, encodeModel(model))
  }

  const quoted = (text: string): string => JSON.stringify(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

  test.each([
    ['../ out of the output folder', '../../../sentinel/target.bin', 'it leads out of its folder \\(\\.\\.\\)'],
    ['"."', '.', 'it is not a file name \\(empty or "\\." part\\)'],
    ['a NUL byte', 'decoder_model_merged.onnx_data\0.bin', 'it contains a NUL byte'],
  ])('a location with %s, on an initializer that apply rewrites, is refused', async (_, location, why) => {
    const paths = await setUp()
    setLocation(paths.decoder, location, WRITTEN)
    await expectRefused(paths, new RegExp(`^Error: ${paths.decoder.replace(/[.\\/]/g, '\\$&')}: external data location ${quoted(location)} is refused: ${why}$`))
  })

  test('an absolute location is refused, on the write side as on the read side', async () => {
    const paths = await setUp()
    const location = join(paths.sentinel, 'target.bin')
    setLocation(paths.decoder, location, WRITTEN)
    await expectRefused(paths, new RegExp(`: external data location ${quoted(location)} is refused: it is an absolute path$`))
    // A constant that apply copies as it is: its bytes are read from the location.
    setLocation(paths.decoder, 'decoder_model_merged.onnx_data', WRITTEN)
    setLocation(paths.decoder, location, 'model.rotary_emb.inv_freq')
    await expectRefused(paths, new RegExp(`: external data location of initializer model\\.rotary_emb\\.inv_freq ${quoted(location)} is refused: it is an absolute path$`))
  })

  test('an external data file that is a symlink out of the template is refused, its bytes never read', async () => {
    const paths = await setUp()
    const data = join(paths.template, 'onnx', `${DECODER}_data`)
    // The leaked file holds exactly the bytes the template expects, so only the link check can stop it.
    copyFileSync(data, join(paths.sentinel, 'weights.bin'))
    rmSync(data)
    symlinkSync(join(paths.sentinel, 'weights.bin'), data)
    await expectRefused(paths, new RegExp(`^Error: template ${paths.template.replace(/[.\\/]/g, '\\$&')}: file "onnx/${DECODER}_data" is refused: it is a link that leads out of the folder \\(to .*sentinel/weights\\.bin\\)$`))
  })

  test('an .onnx file that is a symlink out of the template is refused', async () => {
    const paths = await setUp()
    copyFileSync(paths.decoder, join(paths.sentinel, DECODER))
    rmSync(paths.decoder)
    symlinkSync(join(paths.sentinel, DECODER), paths.decoder)
    await expectRefused(paths, /: file "onnx\/decoder_model_merged\.onnx" is refused: it is a link that leads out of the folder/)
  })

  test('a 0-byte .onnx file is refused', async () => {
    const paths = await setUp()
    writeFileSync(paths.decoder, '')
    await expectRefused(paths, new RegExp(`^Error: ${paths.decoder.replace(/[.\\/]/g, '\\$&')} is empty \\(0 bytes\\)$`))
    expect(existsSync(join(paths.weights, 'onnx'))).toBe(false)
  })
})

describe('hub merge --onnx-template with a hostile template on an honest Hub', () => {
  const tmp = useTempDir()
  const setEnv = useHubEnv()
  const openHub = useMockHub()

  function filesUnder(dir: string): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = {}
    const walk = (at: string): void => {
      for (const entry of readdirSync(at, {withFileTypes: true})) {
        if (entry.isDirectory()) walk(join(at, entry.name))
        else out[relative(dir, join(at, entry.name))] = readFileSync(join(at, entry.name))
      }
    }
    walk(dir)
    return out
  }

  test('a location that leads out of the output folder: exit 1, nothing written outside, nothing published', async () => {
    const sentinel = makeSentinel(join(tmp(), 'sentinel'))
    const token = 'hf_hostileTemplateToken_1234567890'
    await writeCheckpoint(join(tmp(), 'source'), makeValues(5, {twins: 'differ'}))
    await writeCheckpoint(join(tmp(), 'target'), makeValues(1, {twins: 'equal'}))
    const template = writeTemplate(join(tmp(), 'template'), makeValues(1, {twins: 'equal'}), {precisions: ['fp32'], external: true}).dir
    const decoder = join(template, 'onnx', DECODER)
    const model = decodeModel(readFileSync(decoder), decoder)
    // Deep enough to leave any staging folder of the run: aimed at the sentinel, wherever the output is.
    const location = `${'../'.repeat(12)}${join(sentinel, 'target.bin').slice(1)}`
    for (const tensor of model.graph.initializer) if (tensor.name === WRITTEN && tensor.externalData) tensor.externalData = {...tensor.externalData, location}
    writeFileSync(decoder, encodeModel(model))
    const hub = openHub({
      token,
      repos: {'acme/ft': {files: filesUnder(join(tmp(), 'source'))}, 'acme/base': {files: filesUnder(join(tmp(), 'target'))}, 'evil/template': {files: filesUnder(template)}},
    })
    setEnv({HF_HOME: join(tmp(), 'hf-home'), HF_HUB_CACHE: join(tmp(), 'cache'), HF_ENDPOINT: hub.endpoint, HF_TOKEN: token})
    const before = treeState(sentinel)
    const output = join(tmp(), 'merged')
    const run = await cmaam(['hub', 'merge', '-s', 'acme/ft', '-t', 'acme/base', '--push', 'me/merged', '--output', output, '--method', 'linear', '--onnx-template', 'evil/template', '--onnx-dtype', 'fp32'])
    expect(run.code).toBe(1)
    expect(run.stderr.split('\n')[0]).toMatch(new RegExp(`: external data location ${JSON.stringify(location).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is refused: it leads out of its folder \\(\\.\\.\\)$`))
    expect(treeState(sentinel)).toEqual(before)
    expect(hub.commits).toEqual([])
  })
})
