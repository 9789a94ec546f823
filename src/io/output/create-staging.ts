import {randomBytes} from 'node:crypto'
import {lstatSync, renameSync, rmSync} from 'node:fs'
import {mkdir, readdir, realpath, rm, stat, writeFile} from 'node:fs/promises'
import {basename, dirname, join, resolve, sep} from 'node:path'
import {CmaamError} from '../../errors'
import {onInterrupt} from '../../interrupt'
import {formatBytes} from '../../progress/format-bytes'
import {freeBytes} from './free-bytes'
import {removeStaleStaging, type RemovedStaging} from './remove-stale-staging'
import {STAGING_OWNER_FILE, currentOwner} from './staging-owner'

/** A hidden folder next to the output where the model is written, and moved into place when complete. */
export interface Staging {
  /** Absolute path of the staging folder: write the model files here. */
  dir: string
  /** Replaces the output folder with the staging folder. */
  commit(): Promise<void>
  /** Removes the staging folder; does nothing after a successful commit, so it can sit in a `finally`. */
  discard(): Promise<void>
  /** What earlier, killed runs writing to the same output had left behind and was cleaned up. */
  removedStale: RemovedStaging
}

export interface CreateStagingOptions {
  /** Replace an existing non-empty output folder. */
  force: boolean
  /** Input model folders: the output may be neither one of them, nor contain one, nor lie inside one. */
  inputs: string[]
  /** Allow the output inside an input (`onnx apply` writes `onnx/` into the model folder it reads). */
  insideInput?: boolean
  /** Bytes the output will take: refused up front when the disk has less room. */
  neededBytes?: number
}

/** Folders to remove if the process is interrupted; shared by every open staging of this process. */
const pending = new Set<string>()

/**
 * Checks `--output` and creates a staging folder in its parent, so that the final rename is atomic
 * and an interrupted run never leaves a half-written model at the output path. Until commit or
 * discard, SIGINT/SIGTERM remove the staging folder and exit with 130/143; the folder names its
 * process, so that a run killed outright (SIGKILL, power loss) is cleaned up by the next run
 * writing to the same output.
 */
export async function createStaging(outputDir: string, options: CreateStagingOptions): Promise<Staging> {
  const output = resolve(outputDir)
  // Follow symlinks: a link to an input is that input, and a linked output is replaced where it lives.
  const target = await realpathOfExisting(output)
  await checkOutput(output, target, options)
  const parent = dirname(target)
  const removedStale = await removeStaleStaging(target)
  if (options.neededBytes !== undefined) {
    const free = await freeBytes(parent)
    if (free !== null && free < options.neededBytes) {
      throw new CmaamError(
        `Not enough disk space for ${output}: it needs about ${formatBytes(options.neededBytes)}, ${formatBytes(free)} free in ${parent}`,
        {hint: 'Free some space, or choose an --output on a disk with room.'},
      )
    }
  }
  // Not mkdtemp: its 0700 mode would end up on the published model folder.
  const dir = join(parent, `.${basename(target)}.cmaam-partial-${process.pid}-${randomBytes(4).toString('hex')}`)
  // Tracked before it exists: a signal between mkdir and the owner file still removes it.
  track(dir)
  try {
    await mkdir(parent, {recursive: true})
    await mkdir(dir)
    await writeFile(join(dir, STAGING_OWNER_FILE), JSON.stringify(currentOwner()))
  } catch (error) {
    await rm(dir, {recursive: true, force: true})
    untrack(dir)
    throw new CmaamError(`Cannot create the output folder ${output}: ${(error as Error).message}`, {
      hint: `Check that you can write to ${parent}.`,
      cause: error,
    })
  }

  let committed = false
  return {
    dir,
    removedStale,
    async commit() {
      if (committed) return
      const old = moveIntoPlace(dir, target, output)
      committed = true
      if (old) track(old)
      untrack(dir)
      if (old) {
        await rm(old, {recursive: true, force: true})
        untrack(old)
      }
    },
    async discard() {
      if (committed) return
      await rm(dir, {recursive: true, force: true})
      untrack(dir)
    },
  }
}

/** The output may not be, contain or (unless allowed) lie inside an input, nor be a non-empty folder without --force. */
async function checkOutput(output: string, target: string, options: CreateStagingOptions): Promise<void> {
  const targetPrefix = target.endsWith(sep) ? target : target + sep
  for (const input of options.inputs) {
    const realInput = await realpathOfExisting(resolve(input))
    const relation = realInput === target ? 'is' : realInput.startsWith(targetPrefix) ? 'contains' : !options.insideInput && target.startsWith(realInput.endsWith(sep) ? realInput : realInput + sep) ? 'is inside' : null
    if (relation !== null) {
      throw new CmaamError(`--output ${output} ${relation} the input model folder ${resolve(input)}`, {
        hint: 'Choose a folder outside the input models for the merged model: cmaam never writes into its inputs.',
      })
    }
  }
  const existing = await stat(target).catch(() => null)
  if (existing && !existing.isDirectory()) {
    throw new CmaamError(`--output ${output} exists and is not a folder`, {hint: 'Choose a folder path for --output.'})
  }
  if (existing && !options.force && (await readdir(target)).length > 0) {
    throw new CmaamError(`--output ${output} already exists and is not empty; pass --force to replace it`, {
      hint: 'Pass --force to replace it, or choose another folder.',
    })
  }
}

/**
 * Renames the staging folder to the output, moving an existing output aside first; returns where the
 * old output went (to be removed), or null. Synchronous renames: no signal handler can run between
 * moving the old output aside and moving the new one in.
 */
function moveIntoPlace(dir: string, target: string, output: string): string | null {
  const parent = dirname(target)
  rmSync(join(dir, STAGING_OWNER_FILE), {force: true})
  const old = lstatSync(target, {throwIfNoEntry: false}) ? join(parent, `.${basename(target)}.cmaam-old-${process.pid}-${randomBytes(4).toString('hex')}`) : null
  try {
    if (old) renameSync(target, old)
    try {
      renameSync(dir, target)
    } catch (error) {
      if (old) renameSync(old, target)
      throw error
    }
  } catch (error) {
    throw new CmaamError(`Cannot move the merged model into ${output}: ${(error as Error).message}`, {
      hint: `Check that you can write to ${parent}.`,
      cause: error,
    })
  }
  return old
}

/** The real path of `path`, or of its deepest existing ancestor joined with the rest. */
async function realpathOfExisting(path: string): Promise<string> {
  try {
    return await realpath(path)
  } catch {
    const parent = dirname(path)
    return parent === path ? path : join(await realpathOfExisting(parent), basename(path))
  }
}

let stopTracking: (() => void) | null = null

function track(dir: string): void {
  if (pending.size === 0) {
    stopTracking = onInterrupt(removePending)
    process.on('exit', removePending)
  }
  pending.add(dir)
}

function untrack(dir: string): void {
  pending.delete(dir)
  if (pending.size === 0) {
    stopTracking?.()
    stopTracking = null
    process.off('exit', removePending)
  }
}

function removePending(): void {
  for (const dir of pending) {
    try {
      rmSync(dir, {recursive: true, force: true})
    } catch {
      // Exiting anyway: a folder that cannot be removed stays behind under its hidden name.
    }
  }
}
