import type {ProbeSystem} from '../../../src/compute/device/probe-system'

export const BIN = '/app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64'

/** A Linux x64 machine whose files are `files` (path → content), nothing else. */
export function fakeSystem(files: Record<string, string>, overrides: Partial<ProbeSystem> = {}): ProbeSystem {
  const paths = Object.keys(files)
  return {
    platform: 'linux',
    arch: 'x64',
    env: {},
    binDir: BIN,
    exists: (path) => path in files || paths.some((p) => p.startsWith(`${path}/`)),
    readFile: (path) => (path in files ? Buffer.from(files[path], 'latin1') : undefined),
    readDir: (dir) => [...new Set(paths.filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1).split('/')[0]))],
    ...overrides,
  }
}

/** The files of an NVIDIA driver, as ld.so.cache and /proc show them. */
export const NVIDIA_DRIVER = {
  '/etc/ld.so.cache': 'glibc-ld.so.cache1.1\0libcuda.so.1\0/usr/lib/x86_64-linux-gnu/libcuda.so.1\0',
  '/usr/lib/x86_64-linux-gnu/libcuda.so.1': '',
  '/proc/driver/nvidia/version': 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15\nGCC version\n',
  '/dev/nvidia0': '',
}

export const CUDA_PROVIDERS = {[`${BIN}/libonnxruntime_providers_cuda.so`]: '', [`${BIN}/libonnxruntime_providers_shared.so`]: ''}

export const VULKAN_LOADER = {'/usr/lib/x86_64-linux-gnu/libvulkan.so.1': ''}

export const icd = (library: string) => JSON.stringify({file_format_version: '1.0.0', ICD: {library_path: library, api_version: '1.3.0'}})
export const LAVAPIPE = {'/usr/share/vulkan/icd.d/lvp_icd.json': icd('libvulkan_lvp.so')}
export const NVIDIA_ICD = {'/usr/share/vulkan/icd.d/nvidia_icd.json': icd('libGLX_nvidia.so.0')}
