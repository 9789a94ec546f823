import {closeSync, openSync, statSync} from 'node:fs'
import {dirname} from 'node:path'
import {CmaamError} from '../errors'
import {resolveInside} from '../io/paths/resolve-inside'
import type {OnnxTensor} from '../io/onnx-proto/types'
import {EndOfFileError, readExactlySync} from '../io/read-exactly'
import {elementSize, product} from './tensor-types'

/**
 * The little-endian bytes of an initializer of an ONNX file at `modelPath`: its raw data, its
 * external data (read from the file next to the model), or its float_data.
 */
export function readInitializerBytes(tensor: OnnxTensor, modelPath: string): Uint8Array {
  if (tensor.rawData) return tensor.rawData
  if (tensor.floatData) return new Uint8Array(new Float32Array(tensor.floatData).buffer)
  const size = elementSize(tensor.dataType)
  if (!tensor.externalData) {
    if (size !== null && product(tensor.dims) === 0) return new Uint8Array(0)
    throw new CmaamError(`${modelPath}: initializer ${tensor.name} stores its data in a form cmaam does not read`, {
      hint: 'Templates should store initializers as raw data or external data, as PyTorch and onnxruntime write them.',
    })
  }
  const {location, offset = 0} = tensor.externalData
  const path = resolveInside({folder: dirname(modelPath), entry: location, kind: 'file', file: modelPath, what: `external data location of initializer ${tensor.name}`})
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    throw new CmaamError(`Missing external data file ${path} of ${modelPath}`, {
      code: 'NOT_FOUND',
      hint: 'Download the .onnx_data file(s) together with the .onnx file.',
      cause: error,
    })
  }
  let length = 0
  try {
    length = tensor.externalData.length ?? statSync(path).size - offset
    return readExactlySync(fd, new Uint8Array(length), offset)
  } catch (error) {
    if (!(error instanceof EndOfFileError)) throw error
    throw new CmaamError(`${path} ends before initializer ${tensor.name} (offset ${offset}, length ${length})`, {
      hint: 'The external data file is incomplete: download it again.',
    })
  } finally {
    closeSync(fd)
  }
}
