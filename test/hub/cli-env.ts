import {join} from 'node:path'
import {runCommand} from '@oclif/test'

const ROOT = join(__dirname, '..', '..')
const HUB_VARIABLES = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_TOKEN_PATH', 'HF_HOME', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_ENDPOINT', 'HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'XDG_CACHE_HOME']

/**
 * Sets the HF_* variables for one test and puts the previous values back afterwards; every
 * variable not given is unset, so that the machine's own login or cache never leaks in.
 */
export function useHubEnv(): (values: Record<string, string>) => void {
  let saved: Record<string, string | undefined> = {}
  beforeEach(() => {
    saved = Object.fromEntries(HUB_VARIABLES.map((name) => [name, process.env[name]]))
    for (const name of HUB_VARIABLES) delete process.env[name]
  })
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })
  return (values) => Object.assign(process.env, values)
}

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
