import {lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CmaamError} from '../../src/errors'
import {copyModelFiles} from '../../src/io/output/copy-model-files'
import {useTempDir} from '../helpers/temp-dir'

const tmp = useTempDir()

function folders(): {from: string; to: string} {
  const from = join(tmp(), 'from')
  const to = join(tmp(), 'to')
  mkdirSync(from)
  mkdirSync(to)
  return {from, to}
}

describe('copyModelFiles', () => {
  it('copies the files that exist, as regular files, following Hugging Face cache symlinks', async () => {
    // The cache's layout: links lead out of the snapshot, but stay inside the repo's folder.
    const blobs = join(tmp(), 'models--acme--vlm', 'blobs')
    const from = join(tmp(), 'models--acme--vlm', 'snapshots', 'abc')
    const to = join(tmp(), 'to')
    mkdirSync(blobs, {recursive: true})
    mkdirSync(from, {recursive: true})
    mkdirSync(to)
    writeFileSync(join(blobs, '1111'), '{"model_type": "llava"}\n')
    symlinkSync('../../blobs/1111', join(from, 'config.json'))
    writeFileSync(join(from, 'tokenizer.json'), '{"version": "1.0"}')
    writeFileSync(join(from, 'chat_template.jinja'), '{{ messages }}')
    writeFileSync(join(from, 'merges.txt'), 'a b\n')
    // Not part of a merged model's side files.
    writeFileSync(join(from, 'model.safetensors'), 'weights')
    writeFileSync(join(from, 'README.md'), '# readme')
    mkdirSync(join(from, 'tokenizer.model'))

    const copied = await copyModelFiles(from, to, {})
    expect(copied).toEqual(['config.json', 'tokenizer.json', 'merges.txt', 'chat_template.jinja'])
    expect(readdirSync(to).sort()).toEqual(['chat_template.jinja', 'config.json', 'merges.txt', 'tokenizer.json'])
    expect(lstatSync(join(to, 'config.json')).isSymbolicLink()).toBe(false)
    expect(lstatSync(join(to, 'config.json')).isFile()).toBe(true)
    // Without a dtype, config.json is copied byte for byte.
    expect(readFileSync(join(to, 'config.json'), 'utf8')).toBe('{"model_type": "llava"}\n')
    expect(readFileSync(join(to, 'chat_template.jinja'), 'utf8')).toBe('{{ messages }}')
  })

  it('rewrites torch_dtype and dtype at top level and in sub-configs that have them', async () => {
    const {from, to} = folders()
    writeFileSync(
      join(from, 'config.json'),
      JSON.stringify({
        architectures: ['LlavaForConditionalGeneration'],
        torch_dtype: 'float32',
        dtype: 'float32',
        text_config: {model_type: 'llama', torch_dtype: 'float32'},
        vision_config: {model_type: 'clip_vision_model', dtype: 'float16', nested: {torch_dtype: null}},
        audio_config: {model_type: 'whisper'},
        quantization_config: null,
        layer_types: ['full', 'sliding'],
      }),
    )
    expect(await copyModelFiles(from, to, {dtype: 'bfloat16'})).toEqual(['config.json'])
    const text = readFileSync(join(to, 'config.json'), 'utf8')
    expect(text.endsWith('}\n')).toBe(true)
    expect(JSON.parse(text)).toEqual({
      architectures: ['LlavaForConditionalGeneration'],
      torch_dtype: 'bfloat16',
      dtype: 'bfloat16',
      text_config: {model_type: 'llama', torch_dtype: 'bfloat16'},
      vision_config: {model_type: 'clip_vision_model', dtype: 'bfloat16', nested: {torch_dtype: 'bfloat16'}},
      audio_config: {model_type: 'whisper'},
      quantization_config: null,
      layer_types: ['full', 'sliding'],
    })
  })

  it('adds torch_dtype at top level when the config has neither key', async () => {
    const {from, to} = folders()
    writeFileSync(join(from, 'config.json'), JSON.stringify({model_type: 'qwen2_vl', vision_config: {depth: 32}}))
    await copyModelFiles(from, to, {dtype: 'float16'})
    expect(JSON.parse(readFileSync(join(to, 'config.json'), 'utf8'))).toEqual({
      model_type: 'qwen2_vl',
      vision_config: {depth: 32},
      torch_dtype: 'float16',
    })
  })

  it('names a config.json that cannot be parsed', async () => {
    const {from, to} = folders()
    writeFileSync(join(from, 'config.json'), '{"model_type": ')
    const error = await copyModelFiles(from, to, {dtype: 'bfloat16'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CmaamError)
    expect((error as CmaamError).message).toContain(`Cannot read ${join(from, 'config.json')}:`)
  })

  it('copies nothing from a folder without side files', async () => {
    const {from, to} = folders()
    expect(await copyModelFiles(from, to, {dtype: 'bfloat16'})).toEqual([])
    expect(readdirSync(to)).toEqual([])
  })
})
