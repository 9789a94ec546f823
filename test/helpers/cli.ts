import {join} from 'node:path'
import {runCommand} from '@oclif/test'

const ROOT = join(__dirname, '..', '..')

export interface CliRun {
  stdout: string
  stderr: string
  /** The exit code: 0 on success. */
  code: number
  error?: Error
}

/** Runs `cmaam …` in this process (so that nock answers its requests), from the compiled dist/. */
export async function cmaam(argv: string[]): Promise<CliRun> {
  const {stdout, stderr, error} = await runCommand(argv, {root: ROOT})
  const code = error ? ((error as {oclif?: {exit?: number}}).oclif?.exit ?? 1) : 0
  return {stdout, stderr, code, error}
}
