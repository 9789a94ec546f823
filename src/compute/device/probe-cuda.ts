import {join, resolve} from 'node:path'
import type {DeviceProbe} from './device'
import {findSharedLibrary} from './find-shared-library'
import {probeSystem, type ProbeSystem} from './probe-system'
import {runSessionProbe, type SessionProbeResult} from './run-session-probe'

export interface CudaProbeOptions {
  system?: ProbeSystem
  /** Creates a tiny session on cuda (default: in a child process). */
  sessionProbe?: typeof runSessionProbe
}

/** The libraries onnxruntime-node's install script fetches from NuGet for the CUDA provider. */
export const CUDA_PROVIDER_LIBRARIES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so']

/**
 * Whether onnxruntime can run on CUDA here: the NVIDIA driver (libcuda.so.1) and onnxruntime-node's
 * CUDA provider libraries (not in the npm package: its install script downloads them) are looked
 * for first, which costs a few file reads; only when both are there is a session created, in a
 * child process, and its error (cuDNN or the CUDA runtime missing, no GPU) reported.
 */
export async function probeCuda(options: CudaProbeOptions = {}): Promise<DeviceProbe> {
  const system = options.system ?? probeSystem()
  const probe: DeviceProbe = {device: 'cuda', available: false, reasons: [], hints: [], facts: []}
  if (system.platform !== 'linux' || system.arch !== 'x64') {
    probe.reasons.push(`onnxruntime-node has its CUDA provider on Linux x64 only (this is ${system.platform} ${system.arch})`)
    return probe
  }
  const driver = findSharedLibrary({name: 'libcuda.so.1', system})
  const version = system.readFile('/proc/driver/nvidia/version')?.toString('utf8').split('\n')[0].trim()
  if (version) probe.facts.push(version)
  if (driver) probe.facts.push(`NVIDIA driver library ${driver}`)
  else {
    probe.reasons.push('no NVIDIA driver (libcuda.so.1 not found)')
    probe.hints.push('Install the NVIDIA driver (nvidia-smi must work; in a container, run it with the GPU, e.g. docker --gpus all).')
  }
  const missing = CUDA_PROVIDER_LIBRARIES.filter((name) => !system.exists(join(system.binDir, name)))
  if (missing.length > 0) {
    const packageDir = resolve(system.binDir, '..', '..', '..', '..')
    probe.reasons.push(`onnxruntime-node's CUDA libraries are not installed (no ${missing.join(', ')} in ${system.binDir})`)
    // Its install script run directly: npm 11 skips it under this package's allowScripts denial, even in `npm rebuild`.
    probe.hints.push(
      `Download them (the CUDA 12 build, from NuGet): \`cd ${packageDir} && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install\` (an install with ONNXRUNTIME_NODE_INSTALL=skip, or with npm 11 in a clone of cmaam, leaves them out).`,
    )
  } else probe.facts.push(`onnxruntime CUDA provider in ${system.binDir}`)
  if (probe.reasons.length > 0) return probe
  const result = await (options.sessionProbe ?? runSessionProbe)({device: 'cuda', env: system.env})
  if (result.ok) {
    probe.available = true
    probe.facts.push(`a CUDA session ran in ${result.ms} ms`)
    return probe
  }
  const [reason, hint] = cudaFailure(result)
  probe.reasons.push(reason)
  probe.hints.push(hint)
  return probe
}

/** What a failed CUDA session means, and what to do. */
function cudaFailure(result: SessionProbeResult): [string, string] {
  const text = `${result.error ?? ''}\n${result.stderr}`
  const library = /(lib[\w.+-]+\.so[\w.]*): cannot open shared object file/.exec(text)?.[1]
  if (library && /cudnn/i.test(library)) return [`cuDNN 9 not found (${library})`, 'Install cuDNN 9 for CUDA 12 and put its lib folder on LD_LIBRARY_PATH.']
  if (library) return [`a CUDA 12 library was not found (${library})`, 'Install the CUDA 12 runtime (cudart, cuBLAS, cuFFT, cuRAND) and cuDNN 9, and put their lib folders on LD_LIBRARY_PATH.']
  if (/driver version is insufficient/i.test(text)) return ['the NVIDIA driver is too old for CUDA 12', 'Update the NVIDIA driver (CUDA 12 needs 525 or later).']
  if (/no CUDA-capable device|cudaErrorNoDevice/i.test(text)) return ['no CUDA GPU is visible', 'Check nvidia-smi and CUDA_VISIBLE_DEVICES.']
  const first = (result.error ?? 'unknown error').split('\n')[0].replace(/^\/onnxruntime_src\/\S+ /, '')
  return [`a CUDA session failed: ${first}`, 'Check that CUDA 12 and cuDNN 9 are installed and on LD_LIBRARY_PATH.']
}
