import {CmaamError} from '../../errors'
import {DTYPE_SIZES, isDType} from '../dtype'
import {tensorByteLength} from './tensor-byte-length'
import type {SafetensorsHeader, TensorEntry} from './types'
import {isObject} from '../is-object'
import {parseJson} from '../parse-json'

export interface ParseSafetensorsHeaderOptions {
  /** Absolute path of the file, for messages. */
  path: string
  fileSize: number
  /** Absolute offset of the data section: 8 + header length. */
  dataOffset: number
}

const DAMAGED_HINT = 'The file is damaged or was not written completely: download or convert it again.'
const ENTRY_KEYS = ['data_offsets', 'dtype', 'shape']

/**
 * Validates the JSON header of a safetensors file. The tensors must cover the data section exactly,
 * without overlaps or gaps, as the reference implementation requires.
 */
export function parseSafetensorsHeader(json: Uint8Array, options: ParseSafetensorsHeaderOptions): SafetensorsHeader {
  const {path, fileSize, dataOffset} = options
  const fail = (what: string, hint = DAMAGED_HINT): never => {
    throw new CmaamError(`Invalid safetensors file ${path}: ${what}`, {hint})
  }

  let parsed: unknown
  try {
    parsed = parseJson(new TextDecoder('utf-8', {fatal: true}).decode(json))
  } catch (error) {
    fail(`the header is not valid UTF-8 JSON (${(error as Error).message})`)
  }
  if (!isObject(parsed)) return fail('the header JSON is not an object')

  const dataLength = fileSize - dataOffset
  const tensors: Array<TensorEntry & {begin: number; end: number}> = []
  let metadata: Record<string, string> | null = null
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(value, fail)
      continue
    }
    if (!isObject(value) || Object.keys(value).sort().join() !== ENTRY_KEYS.join()) {
      return fail(`tensor "${name}" is not an object with exactly the keys dtype, shape and data_offsets`)
    }
    const {dtype, shape, data_offsets: offsets} = value
    if (!isDType(dtype)) {
      return fail(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`, `Known dtypes: ${Object.keys(DTYPE_SIZES).join(', ')}.`)
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      return fail(`tensor "${name}" has shape ${JSON.stringify(shape)}, not an array of non-negative integers`)
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      return fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with 0 <= begin <= end`)
    }
    const [begin, end] = offsets as [number, number]
    const byteLength = tensorByteLength(dtype, shape)
    if (byteLength !== end - begin) {
      return fail(`tensor "${name}" spans ${end - begin} bytes, but ${dtype} ${JSON.stringify(shape)} needs ${byteLength}`)
    }
    if (end > dataLength) {
      return fail(`tensor "${name}" ends at byte ${end} of the data section, past its end (${dataLength} bytes)`)
    }
    tensors.push({name, dtype, shape, offset: dataOffset + begin, byteLength, begin, end})
  }

  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end)
  let previous: (typeof tensors)[number] | null = null
  for (const tensor of tensors) {
    const cursor = previous?.end ?? 0
    if (previous && tensor.begin < cursor) {
      return fail(`tensors "${previous.name}" [${previous.begin}, ${previous.end}) and "${tensor.name}" [${tensor.begin}, ${tensor.end}) overlap`)
    }
    if (tensor.begin > cursor) {
      return fail(`bytes [${cursor}, ${tensor.begin}) of the data section belong to no tensor`)
    }
    previous = tensor
  }
  const covered = previous?.end ?? 0
  if (covered < dataLength) {
    return fail(`${dataLength - covered} trailing bytes after the last tensor (data section is ${dataLength} bytes, tensors cover ${covered})`)
  }

  return {
    path,
    fileSize,
    dataOffset,
    tensors: tensors.map(({name, dtype, shape, offset, byteLength}) => ({name, dtype, shape, offset, byteLength})),
    metadata,
  }
}

function parseMetadata(value: unknown, fail: (what: string) => never): Record<string, string> {
  if (!isObject(value)) return fail('__metadata__ is not an object')
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') fail(`__metadata__ value "${key}" is not a string`)
  }
  return value as Record<string, string>
}


function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}
