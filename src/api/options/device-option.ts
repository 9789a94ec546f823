import {DEVICE_REQUESTS, type Device} from '../../compute/device/device'
import {resolveDevice, type ResolveDeviceOptions} from '../../compute/device/resolve-device'
import type {RunContext} from '../context'
import {OPTION_DEFAULTS} from './defaults'
import {choiceOption} from './values'

/**
 * `device`: `auto`, `cpu`, `cuda` or `webgpu` (default: CMAAM_DEVICE, else `auto`), resolved to the device this machine
 * runs on (docs/devices.md). An unavailable device fails with what is missing; which device `auto`
 * chose, and why, is a notice (stderr for a command, `onWarning` for a library call).
 */
export async function deviceOption(value: string | undefined, context: Pick<RunContext, 'notice'>, probes?: ResolveDeviceOptions): Promise<Device> {
  const request = choiceOption(value ?? (process.env.CMAAM_DEVICE || OPTION_DEFAULTS.device), '--device', DEVICE_REQUESTS)
  const resolved = await resolveDevice(request, probes)
  if (resolved.reason !== 'asked for') context.notice(`device     ${resolved.device} (${resolved.reason})`)
  return resolved.device
}
