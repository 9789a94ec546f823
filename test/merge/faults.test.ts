import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {ProgressFactory} from '../../src/progress'
import {silentProgress} from '../../src/progress'
import {TINY_DIMS} from '../../src/example/families'
import {generatePair} from '../../src/example/generate-pair'
import {runMerge} from '../../src/merge/run-merge'
import {cmaam} from '../helpers/cli'
import {useTempDir} from '../helpers/temp-dir'
import {mergeSettings} from './helpers'

// The module object itself (an `import * as` namespace is a copy that spies would not reach).
const fs = require('node:fs') as typeof import('node:fs')
const tmp = useTempDir()

/** Progress that runs `action` once, when the pass named `label` starts. */
function onPass(label: string, action: () => void): ProgressFactory {
  return (name, total) => {
    if (name === label) action()
    return silentProgress(name, total)
  }
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected the merge to fail')
    },
    (error: Error) => error,
  )
}

describe('a merge whose output disk fills up', () => {
  afterEach(() => jest.restoreAllMocks())

  it('stops with one line naming the file, and removes the partial output (stubbed write)', async () => {
    const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair')})
    const realWriteSync = fs.writeSync
    jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buffer: Uint8Array, ...rest: unknown[]) => {
      // Tensor data is written at a position (5 arguments); headers are not.
      if (rest.length === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC', errno: -28, syscall: 'write'})
      return (realWriteSync as (...args: unknown[]) => number)(fd, buffer, ...rest)
    }) as typeof fs.writeSync)
    const error = await failure(runMerge(mergeSettings({source, target, output: join(tmp(), 'out')})))
    expect(error.message).toMatch(/^Cannot write \/.*\/\.out\.cmaam-partial-\d+-[0-9a-f]{8}\/model\.safetensors: no space left on the device \(ENOSPC\)$/)
    expect(error.message.startsWith(`Cannot write ${tmp()}/`)).toBe(true)
    expect((error as {hint?: string}).hint).toMatch(/^The partial output was removed\. Free some space/)
    expect(readdirSync(tmp())).toEqual(['pair'])
  })

  describe('on a real small file system', () => {
    let mounted = ''
    beforeEach(() => {
      const dir = join(tmp(), 'small')
      mkdirSync(dir)
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], {stdio: 'ignore'})
        mounted = dir
      } catch {
        mounted = ''
      }
    })
    afterEach(() => {
      if (mounted) execFileSync('umount', [mounted])
    })

    function skipUnlessMounted(): boolean {
      if (mounted) return false
      console.warn('skipped: cannot mount a tmpfs here (needs root); the stubbed ENOSPC test covers the write path')
      return true
    }

    it('refuses up front an output larger than the free space', async () => {
      if (skipUnlessMounted()) return
      const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair'), dims: {...TINY_DIMS, vocab: 8192}})
      const output = join(mounted, 'out')
      const error = await failure(runMerge(mergeSettings({source, target, output})))
      expect(error.message).toMatch(new RegExp(`^Not enough disk space for ${output}: it needs about \\d\\.\\d\\d MB, 1\\.\\d\\d MB free in ${mounted}$`))
      expect(readdirSync(mounted)).toEqual([])
    })

    it('stops when the disk fills during the write, and removes the partial output', async () => {
      if (skipUnlessMounted()) return
      const {source, target} = await generatePair({family: 'qwen2vl', dir: join(tmp(), 'pair'), dims: {...TINY_DIMS, vocab: 2048}})
      // Something else takes the free space once the output has passed the up-front check.
      const filler = join(mounted, 'filler')
      const fill = (): void => {
        const chunk = Buffer.alloc(4096)
        try {
          for (;;) fs.appendFileSync(filler, chunk)
        } catch {
          // The disk is full.
        }
      }
      const error = await failure(runMerge(mergeSettings({source, target, output: join(mounted, 'out'), progress: onPass('pass 2/2 merge', fill)})))
      expect(error.message).toMatch(new RegExp(`^Cannot write ${mounted}/\\.out\\.cmaam-partial-\\d+-[0-9a-f]{8}/model\\.safetensors: no space left on the device \\(ENOSPC\\)$`))
      expect(readdirSync(mounted)).toEqual(['filler'])
    })
  })
})

describe('an input that changes during the merge', () => {
  it('fails the merge, naming the file, and leaves no output', async () => {
    const {source, target} = await generatePair({family: 'llava', dir: join(tmp(), 'pair')})
    const changed = join(source, 'model.safetensors')
    const touch = (): void => utimesSync(changed, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'))
    const error = await failure(runMerge(mergeSettings({source, target, output: join(tmp(), 'out'), progress: onPass('pass 2/2 merge', touch)})))
    expect(error.message).toBe(`Input file ${changed} changed while cmaam was reading it: it was modified at 2030-01-01T00:00:00.000Z`)
    expect(readdirSync(tmp())).toEqual(['pair'])
  })
})

describe('SIGTERM in the middle of a merge (the compiled CLI in a child process)', () => {
  it('removes the staging folder and exits with 143', async () => {
    // A pair big enough to take a while, generated outside jest (whose Math is slow).
    const root = join(__dirname, '..', '..')
    const dims = {...TINY_DIMS, hidden: 1024, intermediate: 4096, kvHidden: 256, layers: 4, vocab: 8192}
    const pair = join(tmp(), 'pair')
    execFileSync(process.execPath, ['-e', `require('./dist/example/generate-pair').generatePair(${JSON.stringify({family: 'qwen2vl', dir: pair, dims, dtype: 'F32'})})`], {cwd: root})
    const args = ['merge', '-s', join(pair, 'source'), '-t', join(pair, 'target'), '-o', join(tmp(), 'out'), '--quiet']
    const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), ...args], {stdio: 'ignore'})
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    let staging: string | undefined
    while (staging === undefined && child.exitCode === null) {
      staging = readdirSync(tmp()).find((name) => name.startsWith('.out.cmaam-partial-'))
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(staging).toBeDefined()
    child.kill('SIGTERM')
    expect(await exited).toBe(143)
    expect(existsSync(join(tmp(), staging!))).toBe(false)
    expect(readdirSync(tmp())).toEqual(['pair'])
  })
})

describe('cmaam merge after a killed run', () => {
  it('says on stderr what it removed', async () => {
    const {source, target} = await generatePair({family: 'llava', dir: join(tmp(), 'pair')})
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString())
    const stale = join(tmp(), `.out.cmaam-partial-${dead}-0badc0de`)
    mkdirSync(stale)
    writeFileSync(join(stale, 'model.safetensors'), Buffer.alloc(100_000))
    const run = await cmaam(['merge', '-s', source, '-t', target, '-o', join(tmp(), 'out'), '--threads', '1'])
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(new RegExp(`removed the folder left by an interrupted run \\(1\\d\\d kB freed\\): ${stale.replace(/\./g, '\\.')}\\n`))
    expect(readdirSync(tmp()).sort()).toEqual(['out', 'pair'])
  })
})
