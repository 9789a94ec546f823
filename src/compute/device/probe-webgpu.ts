import type {DeviceProbe} from './device'
import {findSharedLibrary} from './find-shared-library'
import {gpuDeviceNodes} from './gpu-device-nodes'
import {probeSystem, type ProbeSystem} from './probe-system'
import {runSessionProbe, type SessionProbeResult} from './run-session-probe'
import {vulkanDrivers} from './vulkan-drivers'

export interface WebgpuProbeOptions {
  system?: ProbeSystem
  /** Creates a tiny session on webgpu (default: in a child process). */
  sessionProbe?: typeof runSessionProbe
  /**
   * Only a GPU counts (what `auto` asks): software Vulkan drivers are hidden from the probe
   * session, and without a hardware driver and a GPU device node no session is tried.
   */
  hardwareOnly?: boolean
}

const INSTALL_VULKAN = 'Install a Vulkan driver (NVIDIA: the driver with its Vulkan ICD; AMD/Intel: mesa-vulkan-drivers ≥ 25) or use --device cpu.'

/**
 * Whether onnxruntime's WebGPU provider (bundled in onnxruntime-node; Dawn over Vulkan on Linux) can
 * run here. On Linux the Vulkan loader and the driver manifests are looked for first, a few file
 * reads; then a tiny session runs in a child process (Dawn prints warnings on stderr, and a broken
 * driver may crash or hang): about 1 s.
 */
export async function probeWebgpu(options: WebgpuProbeOptions = {}): Promise<DeviceProbe> {
  const system = options.system ?? probeSystem()
  const probe: DeviceProbe = {device: 'webgpu', available: false, reasons: [], hints: [], facts: []}
  let env = system.env
  let software = false
  if (system.platform === 'linux') {
    const loader = findSharedLibrary({name: 'libvulkan.so.1', system})
    if (!loader) {
      probe.reasons.push('no Vulkan loader (libvulkan.so.1 not found)')
      probe.hints.push(`Install libvulkan1 and a Vulkan driver (NVIDIA: the driver's Vulkan ICD; AMD/Intel or CPU-only: mesa-vulkan-drivers ≥ 25), or use --device cpu.`)
      return probe
    }
    const drivers = vulkanDrivers({system})
    if (drivers.length === 0) {
      const named = system.env.VK_DRIVER_FILES ?? system.env.VK_ICD_FILENAMES
      probe.reasons.push(`no Vulkan adapter: no Vulkan driver ${named === undefined ? 'manifest in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d' : `in VK_DRIVER_FILES/VK_ICD_FILENAMES (${named})`}`)
      probe.hints.push(INSTALL_VULKAN)
      return probe
    }
    probe.facts.push(`Vulkan drivers: ${drivers.map((d) => `${d.library}${d.software ? ' (software)' : ''}`).join(', ')}`)
    const nodes = gpuDeviceNodes({system})
    const hardware = drivers.filter((d) => !d.software)
    software = hardware.length === 0 || nodes.length === 0
    if (options.hardwareOnly) {
      if (software) {
        probe.reasons.push(hardware.length === 0 ? 'only a software Vulkan driver (lavapipe/SwiftShader), slower than cpu' : 'no GPU device (/dev/dri/renderD*, /dev/nvidia*): only software Vulkan can run')
        probe.hints.push('Use --device webgpu to run on it anyway.')
        return probe
      }
      env = {...system.env, VK_DRIVER_FILES: hardware.map((d) => d.file).join(':')}
    }
  }
  const result = await (options.sessionProbe ?? runSessionProbe)({device: 'webgpu', env})
  if (result.ok) {
    probe.available = true
    probe.software = software
    probe.facts.push(`a WebGPU session ran in ${result.ms} ms${software ? ' on a software Vulkan driver' : ''}`)
    return probe
  }
  const [reason, hint] = webgpuFailure(result)
  probe.reasons.push(reason)
  probe.hints.push(hint)
  return probe
}

/** What a failed WebGPU session means, and what to do. */
function webgpuFailure(result: SessionProbeResult): [string, string] {
  const text = `${result.error ?? ''}\n${result.stderr}`
  if (/Couldn't load Vulkan/i.test(text)) return ['no Vulkan loader (libvulkan.so.1 could not be loaded)', INSTALL_VULKAN]
  if (/No supported adapters|Failed to get a WebGPU adapter/i.test(text)) return ['no Vulkan adapter: Dawn found no device it supports (Mesa before 25 is rejected)', INSTALL_VULKAN]
  if (result.timedOut) return [`the WebGPU probe hung (${result.error})`, 'Check the Vulkan driver (vulkaninfo --summary), or use --device cpu.']
  const first = (result.error ?? 'unknown error').split('\n')[0].replace(/^\/onnxruntime_src\/\S+ /, '')
  return [`a WebGPU session failed: ${first}`, 'Check the Vulkan driver (vulkaninfo --summary), or use --device cpu.']
}
