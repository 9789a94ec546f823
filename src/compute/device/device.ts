/** Where onnxruntime runs the heavy kernels (spectra, LoRA products): its execution provider's name. */
export type Device = 'cpu' | 'cuda' | 'webgpu'

/** What a user asks for: a device, or `auto` for the fastest one available. */
export type DeviceRequest = 'auto' | Device

export const DEVICE_REQUESTS: readonly DeviceRequest[] = ['auto', 'cpu', 'cuda', 'webgpu']
