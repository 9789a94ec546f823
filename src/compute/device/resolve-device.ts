import {CmaamError} from '../../errors'
import type {Device, DeviceProbe, DeviceRequest} from './device'
import {probeCuda, type CudaProbeOptions} from './probe-cuda'
import {probeWebgpu} from './probe-webgpu'

export interface ResolvedDevice {
  device: Device
  /** Why this device: for `auto`, what ruled out the faster ones; for a software WebGPU adapter, that it is slow. */
  reason: string
  /** The probes that ran. */
  probes: DeviceProbe[]
}

export type ResolveDeviceOptions = CudaProbeOptions

/**
 * The device a request runs on. `cpu` is always there and costs nothing. `cuda` and `webgpu` are
 * probed and fail with one CmaamError naming what is missing. `auto` takes the fastest available:
 * cuda, else webgpu on a GPU (a software Vulkan driver such as lavapipe is slower than the CPU
 * provider, and is never chosen), else cpu; when nothing is installed it costs a few file reads.
 */
export async function resolveDevice(request: DeviceRequest, options: ResolveDeviceOptions = {}): Promise<ResolvedDevice> {
  if (request === 'cpu') return {device: 'cpu', reason: 'asked for', probes: []}
  if (request === 'cuda' || request === 'webgpu') {
    const probe = request === 'cuda' ? await probeCuda(options) : await probeWebgpu(options)
    if (!probe.available) {
      throw new CmaamError(`--device ${request} is not available: ${probe.reasons.join('; ')}`, {hint: [...probe.hints, 'Or use --device auto (the fastest device available) or --device cpu.'].join('\n')})
    }
    return {device: request, reason: probe.software ? 'asked for; a software Vulkan driver, slower than cpu' : 'asked for', probes: [probe]}
  }
  const cuda = await probeCuda(options)
  if (cuda.available) return {device: 'cuda', reason: `auto: ${cuda.facts.join(', ')}`, probes: [cuda]}
  const webgpu = await probeWebgpu({...options, hardwareOnly: true})
  if (webgpu.available) return {device: 'webgpu', reason: `auto: no cuda (${cuda.reasons[0]}); ${webgpu.facts.join(', ')}`, probes: [cuda, webgpu]}
  return {device: 'cpu', reason: `auto: no cuda (${cuda.reasons[0]}), no webgpu (${webgpu.reasons[0]})`, probes: [cuda, webgpu]}
}
