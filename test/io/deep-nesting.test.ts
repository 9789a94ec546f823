import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {generatePair} from '../../src/example/generate-pair'
import {readWeightIndex} from '../../src/io/checkpoint/read-weight-index'
import {parseJson} from '../../src/io/parse-json'
import {readModelConfig} from '../../src/io/read-model-config'
import {readAdapterConfig} from '../../src/lora/adapter-config'
import {readMergeConfig} from '../../src/merge/config/read-merge-config'
import {readAdapterFile} from '../../src/models/read-adapter-file'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'

const tmp = useTempDir()
const deepJson = (levels: number): string => `{"a": ${'['.repeat(levels)}${']'.repeat(levels)}}`

describe('parseJson', () => {
  it('reads ordinary JSON, brackets inside strings included, and refuses nesting past 256 levels', () => {
    expect(parseJson('{"a": ["[[[{", {"b": "\\"]"}]}')).toEqual({a: ['[[[{', {b: '"]'}]})
    expect(() => parseJson(`${'['.repeat(256)}${']'.repeat(256)}`)).not.toThrow()
    expect(() => parseJson(`${'['.repeat(257)}${']'.repeat(257)}`)).toThrow(new SyntaxError('nested deeper than 256 levels (at position 256)'))
  })
})

describe('deeply nested inputs are one line naming the file', () => {
  it('config.json nested 100,000 levels deep', async () => {
    writeFileSync(join(tmp(), 'config.json'), deepJson(100_000))
    await expect(readModelConfig(tmp())).rejects.toThrow(`${join(tmp(), 'config.json')} is not valid JSON: nested deeper than 256 levels (at position 261)`)
  })

  it('adapter_config.json and an index file', async () => {
    writeFileSync(join(tmp(), 'adapter_config.json'), deepJson(100_000))
    await expect(readAdapterConfig(tmp())).rejects.toThrow(`${join(tmp(), 'adapter_config.json')}: nested deeper than 256 levels`)
    writeFileSync(join(tmp(), 'model.safetensors.index.json'), deepJson(100_000))
    await expect(readWeightIndex(tmp())).rejects.toThrow(/model\.safetensors\.index\.json.*nested deeper than 256 levels/)
  })

  it('an adapter YAML nested 20,000 levels deep, block or flow', async () => {
    const block = join(tmp(), 'block.yaml')
    writeFileSync(block, 'name: toy\nrules:\n' + '- '.repeat(20_000) + 'x\n')
    await expect(readAdapterFile(block)).rejects.toThrow(`${block} line 3: nested deeper than 256 levels`)
    const flow = join(tmp(), 'flow.yaml')
    writeFileSync(flow, `name: toy\nrules: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`)
    await expect(readAdapterFile(flow)).rejects.toThrow(`${flow} line 2: nested deeper than 256 levels`)
  })

  it('a cmaam_config.yaml nested 100,000 levels deep', async () => {
    const path = join(tmp(), 'cmaam_config.yaml')
    writeFileSync(path, `method: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}\n`)
    await expect(readMergeConfig(path)).rejects.toThrow(`${path} line 1: nested deeper than 256 levels`)
  })

  it('cmaam merge on a model whose config.json nests 100,000 levels: exit 1, one line, not "looks like a bug"', async () => {
    const {source, target} = await generatePair({family: 'llava', dir: join(tmp(), 'pair')})
    writeFileSync(join(target, 'config.json'), deepJson(100_000))
    const run = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'out'), '--threads', '1'])
    expect(run.code).toBe(1)
    expect(run.stderr.split('\n')[0]).toBe(`Error: ${join(target, 'config.json')} is not valid JSON: nested deeper than 256 levels (at position 261)`)
    expect(run.stderr).not.toContain('looks like a bug')
  })
})
