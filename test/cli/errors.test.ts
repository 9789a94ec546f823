import {spawnSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {generatePair} from '../../src/example/generate-pair'
import {writeSafetensors} from '../../src/io/safetensors/write-safetensors'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'

/** Bad input: a non-zero exit and one readable error naming the file or flag, no stack trace. */
describe('cmaam merge: bad input', () => {
  const tmp = useTempDir()
  let source = ''
  let target = ''
  beforeEach(async () => {
    ;({source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')}))
  })
  const merge = (...extra: string[]) => cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'out'), '--quiet', ...extra])

  function expectOneError(run: {code: number; stderr: string}, ...fragments: string[]): void {
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/^Error: /)
    for (const fragment of fragments) expect(run.stderr).toContain(fragment)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  }

  it('a missing model folder', async () => {
    const run = await cmaam(['merge', '-s', join(tmp(), 'nope'), '-t', target, '-o', join(tmp(), 'out')])
    expectOneError(run, 'Model folder not found', join(tmp(), 'nope'))
  })

  it.each([
    [['--base-alpha', '1.5'], '--base-alpha'],
    [['--base-alpha', 'x'], '--base-alpha'],
    [['--min-alpha', '0.9', '--max-alpha', '0.1'], '--min-alpha'],
    [['--alpha', '2', '--method', 'linear'], '--alpha'],
    [['--strategy', 'bogus'], '--strategy'],
    [['--model-type', 'nope'], '--model-type'],
    [['--shard-size', 'big'], '--shard-size'],
    [['--component-alpha', 'eyes=0.3'], '--component-alpha'],
    [['--dtype', 'int8'], '--dtype'],
  ])('flag %j is named in the error', async (flags, name) => {
    expectOneError(await merge(...flags), name)
  })

  it('an output folder that is one of the inputs, even with --force', async () => {
    for (const force of [[], ['--force']]) {
      const run = await cmaam(['merge', '-s', source, '-t', target, '-o', target, ...force])
      expectOneError(run, '--output', 'input model folder')
    }
  })

  it('an output folder that already holds a model, unless --force', async () => {
    expect((await merge()).code).toBe(0)
    expectOneError(await merge(), '--output', 'already exists', '--force')
    expect((await merge('--force')).code).toBe(0)
  })

  it('a corrupt safetensors file, naming it', async () => {
    const bad = join(tmp(), 'bad')
    mkdirSync(bad)
    const header = Buffer.from(JSON.stringify({w: {dtype: 'F32', shape: [4], data_offsets: [0, 16]}}))
    const prefix = Buffer.alloc(8)
    prefix.writeBigUInt64LE(BigInt(header.length))
    writeFileSync(join(bad, 'model.safetensors'), Buffer.concat([prefix, header, Buffer.alloc(8)]))
    const run = await cmaam(['merge', '-s', bad, '-t', target, '-o', join(tmp(), 'out')])
    expectOneError(run, join(bad, 'model.safetensors'))
  })

  it('pickle checkpoints, saying why and how to convert', async () => {
    const pickle = join(tmp(), 'pickle')
    mkdirSync(pickle)
    writeFileSync(join(pickle, 'pytorch_model.bin'), 'not really a pickle')
    const run = await cmaam(['merge', '-s', pickle, '-t', target, '-o', join(tmp(), 'out')])
    expectOneError(run, 'arbitrary code', 'safetensors')
  })

  it('non-finite weights: fails naming the tensor, or merges with --allow-nonfinite', async () => {
    const nan = join(tmp(), 'nan')
    mkdirSync(nan)
    writeFileSync(join(nan, 'config.json'), JSON.stringify({model_type: 'qwen2_vl'}))
    const values = (x: number) => new Uint8Array(Float32Array.from([1, 2, x, 4]).buffer)
    await writeSafetensors(join(nan, 'model.safetensors'), [
      {name: 'model.layers.0.mlp.up_proj.weight', dtype: 'F32', shape: [2, 2], data: values(Number.NaN)},
      {name: 'model.norm.weight', dtype: 'F32', shape: [4], data: values(3)},
    ])
    const clean = join(tmp(), 'clean')
    mkdirSync(clean)
    writeFileSync(join(clean, 'config.json'), JSON.stringify({model_type: 'qwen2_vl'}))
    await writeSafetensors(join(clean, 'model.safetensors'), [
      {name: 'model.layers.0.mlp.up_proj.weight', dtype: 'F32', shape: [2, 2], data: values(3)},
      {name: 'model.norm.weight', dtype: 'F32', shape: [4], data: values(3)},
    ])
    for (const method of ['cmaam', 'linear']) {
      const run = await cmaam(['merge', '-s', nan, '-t', clean, '-o', join(tmp(), `out-${method}`), '--method', method])
      expectOneError(run, 'model.layers.0.mlp.up_proj.weight', join(nan, 'model.safetensors'), '--allow-nonfinite')
    }
    const allowed = await cmaam(['merge', '-s', nan, '-t', clean, '-o', join(tmp(), 'allowed'), '--allow-nonfinite', '--json'])
    expect(allowed.code).toBe(0)
    expect(JSON.parse(allowed.stdout).compatibility.nonfinite_tensors).toEqual(['model.layers.0.mlp.up_proj.weight'])
  })

  it('shape and dtype mismatches are reported, not fatal', async () => {
    const a = join(tmp(), 'a')
    const b = join(tmp(), 'b')
    for (const [dir, shape, dtype] of [[a, [2, 2], 'F32'], [b, [4], 'F16']] as const) {
      mkdirSync(dir)
      writeFileSync(join(dir, 'config.json'), JSON.stringify({model_type: 'qwen2_vl'}))
      await writeSafetensors(join(dir, 'model.safetensors'), [
        {name: 'model.norm.weight', dtype: 'F32', shape: [...shape], data: new Uint8Array(16)},
        {name: 'lm_head.weight', dtype, shape: [2, 2], data: new Uint8Array(dtype === 'F32' ? 16 : 8)},
      ])
    }
    const run = await cmaam(['merge', '-s', a, '-t', b, '-o', join(tmp(), 'out')])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('shape differs, target kept: model.norm.weight source [2,2] target [4]')
    expect(run.stdout).toContain('dtype differs: lm_head.weight source F32 target F16')
  })

  it('--debug adds the stack trace', async () => {
    const run = await cmaam(['merge', '-s', join(tmp(), 'nope'), '-t', target, '-o', join(tmp(), 'out'), '--debug'])
    expect(run.stderr).toMatch(/\n\s+at /)
  })

  it('a real process exits non-zero with the one-line error on stderr', () => {
    const bin = resolve(__dirname, '..', '..', 'bin', 'run.js')
    // jest's process.env (with CMAAM_DEVICE=cpu, so no device notice) is not the child's default.
    const run = spawnSync(process.execPath, [bin, 'merge', '-s', join(tmp(), 'nope'), '-t', target, '-o', join(tmp(), 'out')], {encoding: 'utf8', env: process.env})
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr.split('\n')[0]).toBe(`Error: Model folder not found: ${join(tmp(), 'nope')}`)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })
})

/** With --json, scripts read an error on stdout as `{"error": {message, hint, code}}`; the exit code stays non-zero. */
describe('errors with --json', () => {
  const tmp = useTempDir()

  it('a missing model folder: NOT_FOUND, with the message and hint of the text form', async () => {
    const missing = join(tmp(), 'nope')
    const run = await cmaam(['inspect', missing, '--json'])
    expect(run.code).not.toBe(0)
    const printed = JSON.parse(run.stdout) as {error: {message: string; hint: string | null; code: string}}
    expect(Object.keys(printed)).toEqual(['error'])
    expect(printed.error.code).toBe('NOT_FOUND')
    expect(printed.error.message).toContain(missing)
    expect(run.stderr).toContain(`Error: ${printed.error.message}`)
    expect(printed.error.hint === null || run.stderr.includes(printed.error.hint)).toBe(true)
  })

  it('a bad option value: INVALID_INPUT naming the flag', async () => {
    const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')})
    const run = await cmaam(['analyze', '-s', source, '-t', target, '--base-alpha', 'lots', '--json'])
    expect(run.code).not.toBe(0)
    const {error} = JSON.parse(run.stdout) as {error: {message: string; hint: string | null; code: string}}
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.message).toContain('--base-alpha')
  })

  it('an unknown flag (oclif): INVALID_INPUT, hint null', async () => {
    const run = await cmaam(['inspect', tmp(), '--no-such-flag', '--json'])
    expect(run.code).not.toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({error: {message: expect.stringContaining('--no-such-flag'), hint: null, code: 'INVALID_INPUT'}})
  })

  it('without --json, stdout stays empty', async () => {
    const run = await cmaam(['inspect', join(tmp(), 'nope')])
    expect(run.code).not.toBe(0)
    expect(run.stdout).toBe('')
  })
})
