import {spawn} from 'node:child_process'
import {existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {basename, join, resolve} from 'node:path'
import {CmaamError} from '../../src/errors'
import {createStaging} from '../../src/io/output/create-staging'
import {useTempDir} from '../helpers/temp-dir'

const tmp = useTempDir()

function makeInput(): string {
  const input = join(tmp(), 'input')
  mkdirSync(input)
  writeFileSync(join(input, 'model.safetensors'), 'weights')
  return input
}

async function errorFrom(promise: Promise<unknown>): Promise<CmaamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CmaamError)
  return error as CmaamError
}

describe('createStaging refuses', () => {
  it('an output that is an input, even with --force', async () => {
    const input = makeInput()
    const error = await errorFrom(createStaging(input, {force: true, inputs: [join(tmp(), 'other'), input]}))
    expect(error.message).toBe(`--output ${input} is the input model folder ${input}`)
    expect(readFileSync(join(input, 'model.safetensors'), 'utf8')).toBe('weights')
  })

  it('an output that is a symlink to an input', async () => {
    const input = makeInput()
    const link = join(tmp(), 'link')
    symlinkSync(input, link)
    const error = await errorFrom(createStaging(link, {force: true, inputs: [input]}))
    expect(error.message).toBe(`--output ${link} is the input model folder ${input}`)
  })

  it('an input given through a symlink', async () => {
    const input = makeInput()
    symlinkSync(input, join(tmp(), 'link'))
    const error = await errorFrom(createStaging(input, {force: true, inputs: [join(tmp(), 'link')]}))
    expect(error.message).toBe(`--output ${input} is the input model folder ${join(tmp(), 'link')}`)
  })

  it('an output that contains an input, even with --force', async () => {
    const input = makeInput()
    const error = await errorFrom(createStaging(tmp(), {force: true, inputs: [input]}))
    expect(error.message).toBe(`--output ${tmp()} contains the input model folder ${input}`)
  })

  it('an output inside an input (also one not made yet), leaving the input as it was', async () => {
    const input = makeInput()
    for (const output of [join(input, 'merged'), join(input, 'a', 'b')]) {
      const error = await errorFrom(createStaging(output, {force: true, inputs: [join(tmp(), 'other'), input]}))
      expect(error.message).toBe(`--output ${output} is inside the input model folder ${input}`)
    }
    expect(readdirSync(input)).toEqual(['model.safetensors'])
  })

  it('a non-empty output without --force', async () => {
    const output = join(tmp(), 'out')
    mkdirSync(output)
    writeFileSync(join(output, 'keep.txt'), 'mine')
    const error = await errorFrom(createStaging(output, {force: false, inputs: []}))
    expect(error.message).toBe(`--output ${output} already exists and is not empty; pass --force to replace it`)
    expect(readdirSync(tmp())).toEqual(['out'])
  })

  it('an output that is a file, even with --force', async () => {
    writeFileSync(join(tmp(), 'out'), 'x')
    const error = await errorFrom(createStaging(join(tmp(), 'out'), {force: true, inputs: []}))
    expect(error.message).toBe(`--output ${join(tmp(), 'out')} exists and is not a folder`)
  })
})

describe('createStaging', () => {
  it('stages in a hidden sibling folder; commit leaves only the output', async () => {
    const output = join(tmp(), 'out')
    const staging = await createStaging(output, {force: false, inputs: [makeInput()]})
    expect(resolve(staging.dir, '..')).toBe(tmp())
    expect(basename(staging.dir)).toMatch(new RegExp(`^\\.out\\.cmaam-partial-${process.pid}-[0-9a-f]{8}$`))
    expect(existsSync(output)).toBe(false)
    writeFileSync(join(staging.dir, 'model.safetensors'), 'merged')
    await staging.commit()
    expect(readdirSync(tmp()).sort()).toEqual(['input', 'out'])
    expect(readdirSync(output)).toEqual(['model.safetensors'])
    // The folder gets the usual mode for new folders, not a private temporary one.
    mkdirSync(join(tmp(), 'plain'))
    expect(statSync(output).mode).toBe(statSync(join(tmp(), 'plain')).mode)
    await staging.discard()
    expect(readFileSync(join(output, 'model.safetensors'), 'utf8')).toBe('merged')
  })

  it('creates missing parent folders', async () => {
    const output = join(tmp(), 'a', 'b', 'out')
    const staging = await createStaging(output, {force: false, inputs: []})
    await staging.commit()
    expect(lstatSync(output).isDirectory()).toBe(true)
  })

  it('accepts an existing empty folder', async () => {
    const output = join(tmp(), 'out')
    mkdirSync(output)
    const staging = await createStaging(output, {force: false, inputs: []})
    writeFileSync(join(staging.dir, 'x'), '1')
    await staging.commit()
    expect(readdirSync(output)).toEqual(['x'])
    expect(readdirSync(tmp())).toEqual(['out'])
  })

  it('replaces a non-empty output with --force, only on commit', async () => {
    const output = join(tmp(), 'out')
    mkdirSync(output)
    writeFileSync(join(output, 'old.safetensors'), 'old')
    const staging = await createStaging(output, {force: true, inputs: []})
    writeFileSync(join(staging.dir, 'new.safetensors'), 'new')
    expect(readdirSync(output)).toEqual(['old.safetensors'])
    await staging.commit()
    expect(readdirSync(output)).toEqual(['new.safetensors'])
    expect(readdirSync(tmp())).toEqual(['out'])
  })

  it('replaces the real folder behind a symlinked output, keeping the link', async () => {
    const real = join(tmp(), 'real')
    mkdirSync(real)
    writeFileSync(join(real, 'old'), 'old')
    symlinkSync(real, join(tmp(), 'out'))
    const staging = await createStaging(join(tmp(), 'out'), {force: true, inputs: []})
    expect(resolve(staging.dir, '..')).toBe(tmp())
    writeFileSync(join(staging.dir, 'new'), 'new')
    await staging.commit()
    expect(lstatSync(join(tmp(), 'out')).isSymbolicLink()).toBe(true)
    expect(readdirSync(join(tmp(), 'out'))).toEqual(['new'])
    expect(readdirSync(tmp()).sort()).toEqual(['out', 'real'])
  })

  it('discard leaves nothing behind, and keeps an existing output', async () => {
    const output = join(tmp(), 'out')
    mkdirSync(output)
    writeFileSync(join(output, 'old'), 'old')
    const staging = await createStaging(output, {force: true, inputs: []})
    writeFileSync(join(staging.dir, 'partial.safetensors'), 'half')
    await staging.discard()
    expect(readdirSync(tmp())).toEqual(['out'])
    expect(readdirSync(output)).toEqual(['old'])
  })

  it('holds SIGINT/SIGTERM handlers only while a staging folder is open', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]
    const first = await createStaging(join(tmp(), 'one'), {force: false, inputs: []})
    const second = await createStaging(join(tmp(), 'two'), {force: false, inputs: []})
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0] + 1, before[1] + 1])
    await first.commit()
    expect(process.listenerCount('SIGINT')).toBe(before[0] + 1)
    await second.discard()
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before)
  })
})

describe('createStaging on a signal', () => {
  // A child node process loads the TypeScript source through @swc/core (what jest uses here),
  // opens a staging folder, writes into it, and waits to be killed.
  function runChild(output: string): {child: ReturnType<typeof spawn>; stagingDir: Promise<string>} {
    const script = `
      const swc = require(${JSON.stringify(require.resolve('@swc/core'))})
      const fs = require('node:fs')
      require.extensions['.ts'] = (module, filename) => {
        const {code} = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
          filename, swcrc: false, jsc: {parser: {syntax: 'typescript'}, target: 'es2022'}, module: {type: 'commonjs'},
        })
        module._compile(code, filename)
      }
      const {createStaging} = require(${JSON.stringify(resolve(__dirname, '../../src/io/output/create-staging.ts'))})
      createStaging(${JSON.stringify(output)}, {force: false, inputs: []}).then((staging) => {
        fs.writeFileSync(staging.dir + '/model.safetensors', 'partial')
        process.stdout.write(staging.dir + '\\n')
        setInterval(() => {}, 1000)
      })
    `
    const child = spawn(process.execPath, ['-e', script], {stdio: ['ignore', 'pipe', 'inherit']})
    const stagingDir = new Promise<string>((resolveDir, reject) => {
      let text = ''
      child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        if (text.endsWith('\n')) resolveDir(text.trim())
      })
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)))
    })
    return {child, stagingDir}
  }

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s removes the staging folder and exits with %d', async (signal, exitCode) => {
    const output = join(tmp(), 'out')
    const {child, stagingDir} = runChild(output)
    const dir = await stagingDir
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(true)
    const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)))
    child.kill(signal)
    expect(await exited).toBe(exitCode)
    expect(existsSync(dir)).toBe(false)
    expect(readdirSync(tmp())).toEqual([])
  })
})
