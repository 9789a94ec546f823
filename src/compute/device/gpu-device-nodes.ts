import type {ProbeSystem} from './probe-system'

/**
 * The GPU device nodes a hardware Vulkan driver needs: /dev/dri/renderD* (Mesa and AMD/Intel
 * drivers), /dev/nvidia0… (NVIDIA), /dev/dxg (WSL). None means any Vulkan adapter is a software one.
 */
export function gpuDeviceNodes(options: {system: ProbeSystem}): string[] {
  const {system} = options
  const dri = system.readDir('/dev/dri').filter((name) => name.startsWith('renderD')).map((name) => `/dev/dri/${name}`)
  const dev = system.readDir('/dev').filter((name) => /^nvidia\d+$/.test(name) || name === 'dxg').map((name) => `/dev/${name}`)
  return [...dri, ...dev]
}
