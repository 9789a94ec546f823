import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CmaamError} from '../../src/errors'
import {compilePattern, PatternError} from '../../src/io/patterns/compile-pattern'
import {readAdapterConfig} from '../../src/lora/adapter-config'
import {isTargetModule, moduleScale} from '../../src/lora/module-scale'
import {createAdapter} from '../../src/models/create-adapter'
import type {AdapterDefinition} from '../../src/models/types'
import {useTempDir} from '../helpers/temp-dir'

const tmp = useTempDir()

// Names that make a backtracking engine (JavaScript's RegExp, Python's re) run for minutes or more.
const A_NAME = 'a'.repeat(5000) + 'b'
const DOTTED_NAME = 'model.layers.' + 'x.'.repeat(20_000) + 'q_proj'

function writeAdapterConfig(config: Record<string, unknown>): string {
  const dir = join(tmp(), 'adapter')
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({peft_type: 'LORA', r: 8, lora_alpha: 16, ...config}))
  return dir
}

describe('compilePattern', () => {
  // Expected for the anchors search, start, whole, whole-or-dotted-suffix.
  it.each([
    ['(.*a){20}', A_NAME, [true, true, false, false]],
    [String.raw`([\w.]+)+!`, DOTTED_NAME, [false, false, false, false]],
    ['(a|aa)+$', A_NAME, [false, false, false, false]],
  ])('runs %s against a long hostile name to the end (no backtracking)', (source, name, expected) => {
    const anchors = ['search', 'start', 'whole', 'whole-or-dotted-suffix'] as const
    expect(anchors.map((anchor) => compilePattern(source, {anchor, syntax: 'python', where: 'test'}).test(name))).toEqual(expected)
  })

  it('anchors as Python does: fullmatch, match, search and PEFT key matching', () => {
    const whole = compilePattern('q_proj|v_proj', {anchor: 'whole', syntax: 'python', where: 'test'})
    expect(['q_proj', 'v_proj', 'a.q_proj', 'q_proj2'].map((n) => whole.test(n))).toEqual([true, true, false, false])
    const start = compilePattern('model', {anchor: 'start', syntax: 'python', where: 'test'})
    expect(['model.x', 'x.model'].map((n) => start.test(n))).toEqual([true, false])
    const key = compilePattern(String.raw`layers\.0\..*q_proj`, {anchor: 'whole-or-dotted-suffix', syntax: 'python', where: 'test'})
    expect(['layers.0.attn.q_proj', 'model.layers.0.attn.q_proj', 'model.xlayers.0.q_proj', 'model.layers.0.q_proj.bias'].map((n) => key.test(n))).toEqual([true, true, false, false])
  })

  it('counts capture groups and returns the captured text', () => {
    const layer = compilePattern(String.raw`\.layers\.(\d+)\.`, {anchor: 'search', syntax: 'javascript', where: 'test'})
    expect(layer.groups).toBe(1)
    expect(layer.capture('model.layers.12.mlp')).toBe('12')
    expect(layer.capture('model.mlp')).toBeUndefined()
    expect(compilePattern('(a)?b', {anchor: 'search', syntax: 'javascript', where: 'test'}).capture('b')).toBeUndefined()
  })

  it('does not let a pattern close the group it is wrapped in', () => {
    expect(() => compilePattern('a)|(b', {anchor: 'whole', syntax: 'python', where: 'test'})).toThrow(PatternError)
  })

  it.each([
    [String.raw`(a)\1`, 'backreferences need a backtracking engine'],
    ['(?P<x>a)(?P=x)', 'backreferences need a backtracking engine'],
    ['q_proj(?!x)', 'lookahead and lookbehind need a backtracking engine'],
    ['(?<=x)q', 'lookahead and lookbehind need a backtracking engine'],
    ['(?>a+)b', 'atomic groups and possessive quantifiers need a backtracking engine'],
    ['a++', 'atomic groups and possessive quantifiers need a backtracking engine'],
    ['(', 'missing closing ): `(`'],
  ])('refuses %s with one line naming it and why', (source, reason) => {
    let error: unknown
    try {
      compilePattern(source, {anchor: 'whole', syntax: 'python', where: 'x/adapter_config.json "target_modules"'})
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(CmaamError)
    expect((error as CmaamError).code).toBe('INVALID_INPUT')
    expect((error as CmaamError).message).toBe(`x/adapter_config.json "target_modules" ${JSON.stringify(source)} is not a usable regular expression: ${reason}`)
  })
})

describe('PEFT patterns from adapter_config.json', () => {
  it('keeps PEFT semantics: string target_modules is a fullmatch, a list is exact-or-suffix, rank_pattern keys match a dotted suffix', async () => {
    const config = await readAdapterConfig(
      writeAdapterConfig({target_modules: String.raw`.*\.(q_proj|v_proj)`, rank_pattern: {'layers.1.*v_proj': 4, q_proj: 2}, alpha_pattern: {v_proj: 3}}),
    )
    expect(['model.layers.0.q_proj', 'model.layers.0.v_proj', 'model.layers.0.k_proj', 'q_proj'].map((m) => isTargetModule(config, m))).toEqual([true, true, false, false])
    expect(moduleScale(config, 'model.layers.1.attn.v_proj')).toEqual({rank: 4, alpha: 3, scale: 3 / 4})
    expect(moduleScale(config, 'model.layers.0.attn.v_proj')).toEqual({rank: 8, alpha: 3, scale: 3 / 8})
    expect(moduleScale(config, 'model.layers.0.attn.q_proj')).toEqual({rank: 2, alpha: 16, scale: 8})
    expect(moduleScale(config, 'model.layers.0.attn.xq_proj')).toEqual({rank: 8, alpha: 16, scale: 2})
    const list = await readAdapterConfig(writeAdapterConfig({target_modules: ['q_proj', 'attn.v_proj']}))
    expect(['a.q_proj', 'q_proj', 'a.xq_proj', 'b.attn.v_proj', 'b.xattn.v_proj'].map((m) => isTargetModule(list, m))).toEqual([true, true, false, true, false])
  })

  it('runs catastrophic patterns to the end on long module names', async () => {
    const config = await readAdapterConfig(writeAdapterConfig({target_modules: '(.*a){20}', rank_pattern: {[String.raw`([\w.]+)+!`]: 4}}))
    expect(isTargetModule(config, A_NAME)).toBe(false)
    expect(moduleScale(config, DOTTED_NAME).rank).toBe(8)
  })

  it.each([
    [{target_modules: '(q_proj'}, '"target_modules" "(q_proj" is not a usable regular expression: missing closing ): `(q_proj`'],
    [{rank_pattern: {[String.raw`(q)\1`]: 4}}, String.raw`"rank_pattern" key "(q)\\1" is not a usable regular expression: backreferences need a backtracking engine`],
    [{alpha_pattern: {'v(?=x)': 4}}, '"alpha_pattern" key "v(?=x)" is not a usable regular expression: lookahead and lookbehind need a backtracking engine'],
  ])('refuses an unusable pattern when reading the file, naming it: %j', async (config, message) => {
    const dir = writeAdapterConfig(config)
    await expect(readAdapterConfig(dir)).rejects.toThrow(new CmaamError(`${join(dir, 'adapter_config.json')} ${message}`))
  })
})

describe('adapter rule patterns', () => {
  const definition = (rule: Record<string, string>): AdapterDefinition => ({
    name: 'toy',
    title: 'Toy',
    modelTypes: [],
    architectures: [],
    signatures: [],
    rules: [{component: 'vision', match: 'v', ...rule} as AdapterDefinition['rules'][number], {component: 'language', match: ''}],
  })

  it('classifies long hostile names with catastrophic match and layer patterns to the end', () => {
    const adapter = createAdapter(definition({match: String.raw`([\w.]+)+!`, layer: '((?:.*a){20})'}))
    expect(adapter.classify(DOTTED_NAME)).toEqual({component: 'language', layer: null, tower: null})
    const layered = createAdapter(definition({match: 'a', layer: String.raw`^(?:a+)+\.(\d+)`}))
    expect(layered.classify(`${'a'.repeat(5000)}.7`)).toEqual({component: 'vision', layer: 7, tower: null})
    expect(layered.classify(`${'a'.repeat(5000)}!`)).toEqual({component: 'vision', layer: null, tower: null})
  })

  it('refuses a backreference with the rule and the reason', () => {
    expect(() => createAdapter(definition({match: String.raw`(v)\1`}))).toThrow(
      String.raw`adapter "toy": rule 1 "match" "(v)\1" is not a usable regular expression (backreferences need a backtracking engine)`,
    )
  })
})
