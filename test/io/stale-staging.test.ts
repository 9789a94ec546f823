import {spawnSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {createStaging} from '../../src/io/output/create-staging'
import {describeRemovedStaging} from '../../src/io/output/describe-removed-staging'
import {STAGING_OWNER_FILE} from '../../src/io/output/staging-owner'
import {useTempDir} from '../helpers/temp-dir'

const tmp = useTempDir()

/** The pid of a process that has already exited (pids are not reused this quickly). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(child.stdout.toString())
}

/** A staging folder as a killed run leaves it: `bytes` of data, and an owner file unless `owner` is null. */
function leftover(name: string, bytes: number, owner: {pid: number; host: string} | null): string {
  const dir = join(tmp(), name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), Buffer.alloc(bytes, 1))
  if (owner) writeFileSync(join(dir, STAGING_OWNER_FILE), JSON.stringify({...owner, started: '2026-12-01T00:00:00.000Z'}))
  return dir
}

describe('createStaging cleans up after killed runs', () => {
  it('removes a staging folder whose process is gone, and says how much it freed', async () => {
    const pid = deadPid()
    const stale = leftover(`.out.cmaam-partial-${pid}-0badc0de`, 256 * 1024, {pid, host: hostname()})
    const staging = await createStaging(join(tmp(), 'out'), {force: false, inputs: []})
    expect(existsSync(stale)).toBe(false)
    expect(staging.removedStale.paths).toEqual([stale])
    // Allocated bytes: at least the data written, rounded up to file-system blocks.
    expect(staging.removedStale.bytes).toBeGreaterThanOrEqual(256 * 1024)
    expect(staging.removedStale.bytes).toBeLessThan(256 * 1024 + 64 * 1024)
    const [message, freed] = /^removed the folder left by an interrupted run \((\d+) kB freed\): (.*)$/.exec(describeRemovedStaging(staging.removedStale)!)!.slice(1).reverse()
    expect(message).toBe(stale)
    expect(Number(freed)).toBe(Math.round(staging.removedStale.bytes / 1000))
    await staging.discard()
  })

  it('removes a folder of cmaam 0.1.0 (no owner file) by the dead pid in its name', async () => {
    const pid = deadPid()
    const stale = leftover(`.out.cmaam-partial-${pid}-12345678`, 10, null)
    const staging = await createStaging(join(tmp(), 'out'), {force: false, inputs: []})
    expect(staging.removedStale.paths).toEqual([stale])
    await staging.discard()
  })

  it('leaves alone the folder of a run that is still alive, one on another host, and other outputs', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    try {
      const live = leftover(`.out.cmaam-partial-${sleeper.pid}-aaaaaaaa`, 10, {pid: sleeper.pid!, host: hostname()})
      const remote = leftover(`.out.cmaam-partial-${deadPid()}-bbbbbbbb`, 10, {pid: deadPid(), host: `not-${hostname()}`})
      const otherOutput = leftover(`.other.cmaam-partial-${deadPid()}-cccccccc`, 10, null)
      const staging = await createStaging(join(tmp(), 'out'), {force: false, inputs: []})
      expect(staging.removedStale).toEqual({paths: [], bytes: 0, restored: null})
      expect(describeRemovedStaging(staging.removedStale)).toBeNull()
      for (const dir of [live, remote, otherOutput]) expect(existsSync(dir)).toBe(true)
      await staging.discard()
    } finally {
      sleeper.kill()
    }
  })

  it('moves back a previous output that a run killed inside its commit had moved aside', async () => {
    const aside = leftover(`.out.cmaam-old-${deadPid()}-dddddddd`, 10, null)
    writeFileSync(join(aside, 'config.json'), '{"previous": true}')
    const staging = await createStaging(join(tmp(), 'out'), {force: true, inputs: []})
    expect(staging.removedStale.restored).toBe(join(tmp(), 'out'))
    expect(readFileSync(join(tmp(), 'out', 'config.json'), 'utf8')).toBe('{"previous": true}')
    await staging.discard()
    expect(readdirSync(tmp())).toEqual(['out'])
  })

  it('names its own process in the staging folder, and takes the owner file out before the commit', async () => {
    const staging = await createStaging(join(tmp(), 'out'), {force: false, inputs: []})
    expect(JSON.parse(readFileSync(join(staging.dir, STAGING_OWNER_FILE), 'utf8'))).toMatchObject({pid: process.pid, host: hostname()})
    writeFileSync(join(staging.dir, 'model.safetensors'), 'weights')
    await staging.commit()
    expect(readdirSync(join(tmp(), 'out'))).toEqual(['model.safetensors'])
  })
})

describe('createStaging checks the free space first', () => {
  it('refuses an output larger than the free space, naming the folder, the bytes needed and free', async () => {
    const output = join(tmp(), 'deep', 'out')
    const error = await createStaging(output, {force: false, inputs: [], neededBytes: 3e15}).catch((e: Error) => e)
    expect((error as Error).message).toMatch(new RegExp(`^Not enough disk space for ${output}: it needs about 3\\.00 PB, [\\d.]+ [KMGT]?B free in ${join(tmp(), 'deep')}$`))
    expect(readdirSync(tmp())).toEqual([])
  })
})
