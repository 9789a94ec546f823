import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

/**
 * What the device probes read of the machine: the platform, the environment, onnxruntime-node's
 * native folder and the file system. Tests replace any of it to simulate a machine.
 */
export interface ProbeSystem {
  platform: NodeJS.Platform
  arch: string
  env: NodeJS.ProcessEnv
  /** onnxruntime-node's folder of native libraries for this platform (`bin/napi-v6/linux/x64`). */
  binDir: string
  exists(path: string): boolean
  /** The file's bytes, or undefined when it cannot be read. */
  readFile(path: string): Buffer | undefined
  /** The names in a folder; empty when it cannot be read. */
  readDir(path: string): string[]
}

/** This machine, as the probes see it. */
export function probeSystem(overrides: Partial<ProbeSystem> = {}): ProbeSystem {
  const platform = overrides.platform ?? process.platform
  const arch = overrides.arch ?? process.arch
  const readDir = (path: string): string[] => {
    try {
      return readdirSync(path)
    } catch {
      return []
    }
  }
  return {
    platform,
    arch,
    env: process.env,
    binDir: overrides.binDir ?? onnxruntimeBinDir(platform, arch, readDir),
    exists: existsSync,
    readFile: (path) => {
      try {
        return readFileSync(path)
      } catch {
        return undefined
      }
    },
    readDir,
    ...overrides,
  }
}

/** `node_modules/onnxruntime-node/bin/napi-vN/<platform>/<arch>` (the highest N): where its binding loads its libraries from. */
function onnxruntimeBinDir(platform: string, arch: string, readDir: (path: string) => string[]): string {
  const bin = join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin')
  const napi = readDir(bin).filter((name) => /^napi-v\d+$/.test(name)).sort((a, b) => Number(b.slice(6)) - Number(a.slice(6)))
  return join(bin, napi[0] ?? 'napi-v6', platform, arch)
}
