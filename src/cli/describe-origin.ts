import type {AdapterOrigin} from '../models/types'

/** `built-in`, `plugin cmaam-adapter-internvl`, `file ./internvl.yaml`, `code`. */
export function describeOrigin(origin: AdapterOrigin): string {
  switch (origin.kind) {
    case 'plugin':
      return `plugin ${origin.plugin}`
    case 'file':
      return `file ${origin.path}`
    default:
      return origin.kind
  }
}
