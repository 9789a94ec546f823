import {basename, join} from 'node:path'
import type {ProbeSystem} from './probe-system'

/** One Vulkan driver (ICD) the loader would offer. */
export interface VulkanDriver {
  /** Its manifest, e.g. /usr/share/vulkan/icd.d/lvp_icd.json. */
  file: string
  /** `ICD.library_path` of the manifest, e.g. libvulkan_lvp.so. */
  library: string
  /** A CPU implementation (Mesa lavapipe, SwiftShader): slower than onnxruntime's CPU provider. */
  software: boolean
}

/** Libraries of the Vulkan drivers that run on the CPU. */
const SOFTWARE = /(^|\/)(libvulkan_lvp|libvk_swiftshader)[^/]*$/

/**
 * The Vulkan drivers the loader would find: the manifests named by VK_DRIVER_FILES or
 * VK_ICD_FILENAMES (a missing file counts as none, as for the loader), else the `vulkan/icd.d`
 * folders under /etc, XDG_CONFIG_DIRS, XDG_DATA_DIRS and /usr/local/share, /usr/share.
 */
export function vulkanDrivers(options: {system: ProbeSystem}): VulkanDriver[] {
  const {system} = options
  const named = system.env.VK_DRIVER_FILES ?? system.env.VK_ICD_FILENAMES
  let files: string[]
  if (named !== undefined) {
    files = named.split(':').filter(Boolean)
  } else {
    const config = (system.env.XDG_CONFIG_DIRS || '/etc/xdg').split(':')
    const data = (system.env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':')
    const dirs = [...new Set([...config, '/etc', ...data, '/usr/local/share', '/usr/share'].filter(Boolean).map((dir) => join(dir, 'vulkan', 'icd.d')))]
    files = dirs.flatMap((dir) => system.readDir(dir).filter((name) => name.endsWith('.json')).map((name) => join(dir, name)))
  }
  const drivers: VulkanDriver[] = []
  for (const file of files) {
    const text = system.readFile(file)
    if (!text) continue
    let library: unknown
    try {
      library = (JSON.parse(text.toString('utf8')) as {ICD?: {library_path?: unknown}}).ICD?.library_path
    } catch {
      continue
    }
    if (typeof library !== 'string') continue
    drivers.push({file, library, software: SOFTWARE.test(library) || /^(lvp|swiftshader)/.test(basename(file))})
  }
  return drivers
}
