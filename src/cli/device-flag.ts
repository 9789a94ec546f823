import {Flags} from '@oclif/core'
import {OPTION_DEFAULTS} from '../api/options/defaults'
import {DEVICE_REQUESTS} from '../compute/device/device'

/** `--device`: where onnxruntime runs the heavy kernels (spectra, LoRA products) or transformers.js the models. */
export const deviceFlag = (what: string) =>
  Flags.string({
    description: `${what}: auto (the fastest available: cuda, else webgpu on a GPU, else cpu), cpu, cuda or webgpu (docs/devices.md). Default: $CMAAM_DEVICE, else auto.`,
    options: [...DEVICE_REQUESTS],
    env: 'CMAAM_DEVICE',
    default: OPTION_DEFAULTS.device,
  })

/** The flag of the commands that merge or analyze: the device changes nothing in their results. */
export const mergeDeviceFlag = deviceFlag('Where onnxruntime runs the spectra and LoRA products (the results are the same on every device)')
