import {join} from 'node:path'
import type {ProbeSystem} from './probe-system'

/** Folders the dynamic loader searches when ld.so.cache does not name a library. */
const DEFAULT_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/lib/wsl/lib', '/usr/local/lib']

/**
 * Where the Linux dynamic loader would find `name` (e.g. `libvulkan.so.1`), without loading it:
 * LD_LIBRARY_PATH, then /etc/ld.so.cache (whose string table holds each library's full path), then
 * the default folders. Null when none has it. A few file reads: cheap enough to run on every command.
 */
export function findSharedLibrary(options: {name: string; system: ProbeSystem}): string | null {
  const {name, system} = options
  for (const dir of (system.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    if (system.exists(join(dir, name))) return join(dir, name)
  }
  const cache = system.readFile('/etc/ld.so.cache')
  if (cache) {
    const at = cache.indexOf(Buffer.from(`/${name}\0`))
    if (at >= 0) {
      const start = cache.lastIndexOf(0, at) + 1
      const path = cache.subarray(start, at + name.length + 1).toString('utf8')
      if (system.exists(path)) return path
    }
  }
  for (const dir of DEFAULT_DIRS) if (system.exists(join(dir, name))) return join(dir, name)
  return null
}
