import {CmaamError} from '../../../src/errors'
import {findSharedLibrary} from '../../../src/compute/device/find-shared-library'
import {resolveDevice} from '../../../src/compute/device/resolve-device'
import type {SessionProbeResult} from '../../../src/compute/device/run-session-probe'
import {vulkanDrivers} from '../../../src/compute/device/vulkan-drivers'
import {CUDA_PROVIDERS, LAVAPIPE, NVIDIA_DRIVER, NVIDIA_ICD, VULKAN_LOADER, fakeSystem, icd} from './fake-system'

const ok = (_options?: {device: string; env?: NodeJS.ProcessEnv}): Promise<SessionProbeResult> => Promise.resolve({ok: true, ms: 5, stderr: ''})
const fails = (error: string, stderr = '') => (): Promise<SessionProbeResult> => Promise.resolve({ok: false, error, stderr})

async function rejection(promise: Promise<unknown>): Promise<CmaamError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(CmaamError)
    return error as CmaamError
  }
  throw new Error('expected an error')
}

describe('resolveDevice on simulated machines', () => {
  it('cpu is never probed', async () => {
    const sessionProbe = jest.fn(ok)
    expect(await resolveDevice('cpu', {system: fakeSystem({}), sessionProbe})).toMatchObject({device: 'cpu', probes: []})
    expect(sessionProbe).not.toHaveBeenCalled()
  })

  it('auto on a machine with nothing: cpu, saying why, without creating a session', async () => {
    const sessionProbe = jest.fn(ok)
    const resolved = await resolveDevice('auto', {system: fakeSystem({}), sessionProbe})
    expect(resolved.device).toBe('cpu')
    expect(resolved.reason).toBe('auto: no cuda (no NVIDIA driver (libcuda.so.1 not found)), no webgpu (no Vulkan loader (libvulkan.so.1 not found))')
    expect(sessionProbe).not.toHaveBeenCalled()
  })

  it('--device cuda without driver and CUDA libraries: one error naming both, with what to do', async () => {
    const error = await rejection(resolveDevice('cuda', {system: fakeSystem({}), sessionProbe: jest.fn(ok)}))
    expect(error.message).toBe(
      "--device cuda is not available: no NVIDIA driver (libcuda.so.1 not found); onnxruntime-node's CUDA libraries are not installed (no libonnxruntime_providers_cuda.so, libonnxruntime_providers_shared.so in /app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64)",
    )
    expect(error.hint).toContain('cd /app/node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install')
    expect(error.hint).toContain('--device cpu')
  })

  it('--device cuda with the driver but no CUDA libraries names only the libraries', async () => {
    const error = await rejection(resolveDevice('cuda', {system: fakeSystem(NVIDIA_DRIVER), sessionProbe: jest.fn(ok)}))
    expect(error.message).toMatch(/^--device cuda is not available: onnxruntime-node's CUDA libraries are not installed/)
  })

  it('cuda with driver and libraries: a session decides; auto takes it first', async () => {
    const system = fakeSystem({...NVIDIA_DRIVER, ...CUDA_PROVIDERS, ...VULKAN_LOADER, ...NVIDIA_ICD})
    const sessionProbe = jest.fn(ok)
    const resolved = await resolveDevice('auto', {system, sessionProbe})
    expect(resolved.device).toBe('cuda')
    expect(resolved.reason).toContain('NVRM version')
    expect(sessionProbe).toHaveBeenCalledTimes(1)
    expect(sessionProbe.mock.calls[0][0]).toMatchObject({device: 'cuda'})
  })

  it('a CUDA session that cannot load cuDNN: the error says so; auto goes on to webgpu', async () => {
    const system = fakeSystem({...NVIDIA_DRIVER, ...CUDA_PROVIDERS, ...VULKAN_LOADER, ...NVIDIA_ICD})
    const stderr = '[E:onnxruntime:Default, provider_bridge_ort.cc:2167] Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory'
    const cudaFails = jest.fn(({device}: {device: string; env?: NodeJS.ProcessEnv}) => (device === 'cuda' ? fails('Failed to create session', stderr)() : ok()))
    const error = await rejection(resolveDevice('cuda', {system, sessionProbe: cudaFails}))
    expect(error.message).toBe('--device cuda is not available: cuDNN 9 not found (libcudnn.so.9)')
    const resolved = await resolveDevice('auto', {system, sessionProbe: cudaFails})
    expect(resolved.device).toBe('webgpu')
    expect(resolved.reason).toContain('no cuda (cuDNN 9 not found (libcudnn.so.9))')
    // auto shows the probe session only the hardware drivers.
    expect(cudaFails.mock.calls[2][0].env?.VK_DRIVER_FILES).toBe('/usr/share/vulkan/icd.d/nvidia_icd.json')
  })

  it('auto never picks a software Vulkan driver (lavapipe); --device webgpu runs on it and says it is slow', async () => {
    const system = fakeSystem({...VULKAN_LOADER, ...LAVAPIPE})
    const sessionProbe = jest.fn(ok)
    const resolved = await resolveDevice('auto', {system, sessionProbe})
    expect(resolved).toMatchObject({device: 'cpu'})
    expect(resolved.reason).toContain('no webgpu (only a software Vulkan driver (lavapipe/SwiftShader), slower than cpu)')
    expect(sessionProbe).not.toHaveBeenCalled()
    const asked = await resolveDevice('webgpu', {system, sessionProbe})
    expect(asked).toMatchObject({device: 'webgpu', reason: 'asked for; a software Vulkan driver, slower than cpu'})
  })

  it('hardware Vulkan drivers without a GPU device node (Mesa installs them all) count as software', async () => {
    const system = fakeSystem({...VULKAN_LOADER, ...LAVAPIPE, '/usr/share/vulkan/icd.d/radeon_icd.json': icd('libvulkan_radeon.so')})
    const resolved = await resolveDevice('auto', {system, sessionProbe: jest.fn(ok)})
    expect(resolved.device).toBe('cpu')
    expect(resolved.reason).toContain('no GPU device')
  })

  it('--device webgpu with no adapter: the Vulkan advice', async () => {
    const system = fakeSystem({...VULKAN_LOADER, ...NVIDIA_ICD, '/dev/nvidia0': ''})
    const error = await rejection(resolveDevice('webgpu', {system, sessionProbe: fails('Failed to get a WebGPU adapter: No supported adapters')}))
    expect(error.message).toMatch(/^--device webgpu is not available: no Vulkan adapter/)
    expect(error.hint).toContain('mesa-vulkan-drivers ≥ 25')
    const missing = fakeSystem({...VULKAN_LOADER, ...LAVAPIPE}, {env: {VK_DRIVER_FILES: '/nowhere/icd.json'}})
    const none = await rejection(resolveDevice('webgpu', {system: missing, sessionProbe: jest.fn(ok)}))
    expect(none.message).toBe('--device webgpu is not available: no Vulkan adapter: no Vulkan driver in VK_DRIVER_FILES/VK_ICD_FILENAMES (/nowhere/icd.json)')
  })

  it('cuda elsewhere than Linux x64 is refused without probing', async () => {
    const error = await rejection(resolveDevice('cuda', {system: fakeSystem({}, {platform: 'darwin', arch: 'arm64'}), sessionProbe: jest.fn(ok)}))
    expect(error.message).toContain('Linux x64 only (this is darwin arm64)')
  })
})

describe('the probes read the machine', () => {
  it('findSharedLibrary: LD_LIBRARY_PATH first, then ld.so.cache, then the default folders', () => {
    expect(findSharedLibrary({name: 'libcuda.so.1', system: fakeSystem({'/opt/cuda/libcuda.so.1': '', ...NVIDIA_DRIVER}, {env: {LD_LIBRARY_PATH: '/x:/opt/cuda'}})})).toBe('/opt/cuda/libcuda.so.1')
    expect(findSharedLibrary({name: 'libcuda.so.1', system: fakeSystem(NVIDIA_DRIVER)})).toBe('/usr/lib/x86_64-linux-gnu/libcuda.so.1')
    expect(findSharedLibrary({name: 'libvulkan.so.1', system: fakeSystem({'/usr/lib64/libvulkan.so.1': ''})})).toBe('/usr/lib64/libvulkan.so.1')
    expect(findSharedLibrary({name: 'libvulkan.so.1', system: fakeSystem(NVIDIA_DRIVER)})).toBeNull()
  })

  it('vulkanDrivers: the manifests in icd.d, or the ones VK_DRIVER_FILES / VK_ICD_FILENAMES name', () => {
    const files = {...LAVAPIPE, ...NVIDIA_ICD, '/etc/vulkan/icd.d/broken.json': '{', '/opt/sw.json': icd('/opt/libvk_swiftshader.so')}
    expect(vulkanDrivers({system: fakeSystem(files)}).map((d) => [d.library, d.software])).toEqual([
      ['libvulkan_lvp.so', true],
      ['libGLX_nvidia.so.0', false],
    ])
    expect(vulkanDrivers({system: fakeSystem(files, {env: {VK_ICD_FILENAMES: '/opt/sw.json'}})}).map((d) => d.software)).toEqual([true])
    expect(vulkanDrivers({system: fakeSystem(files, {env: {VK_DRIVER_FILES: '/missing.json'}})})).toEqual([])
  })
})
