/** Where onnxruntime runs the heavy kernels (spectra, LoRA products): its execution provider's name. */
export type Device = 'cpu' | 'cuda' | 'webgpu'

/** What a user asks for: a device, or `auto` for the fastest one available. */
export type DeviceRequest = 'auto' | Device

export const DEVICE_REQUESTS: readonly DeviceRequest[] = ['auto', 'cpu', 'cuda', 'webgpu']

/** Whether a device can run here, and if not, why and what to do about it. */
export interface DeviceProbe {
  device: Device
  available: boolean
  /** What is missing (empty when available), e.g. `no NVIDIA driver (libcuda.so.1 not found)`. */
  reasons: string[]
  /** What to do about each reason. */
  hints: string[]
  /** What was found: the driver, the Vulkan drivers, the adapter's kind. */
  facts: string[]
  /** webgpu only: the adapter is a software Vulkan driver (lavapipe, SwiftShader), slower than cpu. */
  software?: boolean
}
