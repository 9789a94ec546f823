import {closeSync, fsyncSync, openSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {Progress} from '../progress'
import {FileAccess} from '../compute/file-access'
import {CmaamError} from '../errors'
import {isFloatDType, type FloatDType} from '../io/dtype'
import type {Checkpoint} from '../io/safetensors/types'
import type {ModelAdapter} from '../models/types'
import {encodeFloatWeight} from './encode-float-weight'
import {ExternalDataWriter, writeAll} from './external-data-writer'
import {parameterSource, type ParameterSource} from './parameter-source'
import {mapInitializers, sessionRole, type InitializerMapping} from './map-initializers'
import type {OnnxVariant} from './onnx-variants'
import {decodeModel} from './proto/decode-model'
import {encodeModelParts} from './proto/encode-model'
import type {OnnxTensor} from './proto/types'
import {TensorDataType} from './proto/types'
import {quantizeQ4} from './quantize-q4'
import {quantizeQ8} from './quantize-q8'
import {readTensorBytes} from './read-tensor-bytes'
import {dataTypeName, elementSize, floatDtypeOf, product} from './tensor-types'
import type {OnnxFileReport, OnnxInitializerRecord} from './types'

export interface ApplyOnnxFileOptions {
  /** The template's ONNX file, and what it is. */
  templatePath: string
  variant: OnnxVariant
  /** Folder to write `<session><suffix>.onnx` (and its external data) into. */
  outputDir: string
  checkpoint: Checkpoint
  adapter: ModelAdapter
  allowUnmapped: boolean
  /** Advanced by template bytes as initializers are written. */
  progress: Progress
}

/**
 * Writes one template graph with its parameter initializers replaced by the checkpoint's values:
 * float ones rounded once to their type, quantized ones re-quantized with the template's scheme.
 * Initializers in external data are streamed one at a time; everything else in the file is kept.
 * Returns the file's report and the parameters it used.
 */
export async function applyOnnxFile(options: ApplyOnnxFileOptions): Promise<{report: OnnxFileReport; used: Set<string>}> {
  const {templatePath, variant, checkpoint} = options
  const fileName = variant.file.slice('onnx/'.length)
  const bytes = await readFile(templatePath)
  if (bytes.length === 0) throw new CmaamError(`${templatePath} is empty (0 bytes)`, {hint: 'The template is incomplete or damaged: download it again.'})
  const model = decodeModel(bytes, templatePath)
  const graph = model.graph
  const parameters = new Map<string, number[]>()
  for (const [name, entry] of checkpoint.tensors) if (isFloatDType(entry.dtype)) parameters.set(name, entry.shape)
  const map = mapInitializers(graph, {parameters, role: sessionRole(variant.session), adapter: options.adapter, file: templatePath})
  if (map.unmapped.length > 0 && !options.allowUnmapped) {
    const listed = map.unmapped.slice(0, 3).map((u) => `${u.name} (${u.reason})`).join('; ')
    throw new CmaamError(`${templatePath}: ${map.unmapped.length} initializer${map.unmapped.length === 1 ? '' : 's'} that look like parameters map to no single checkpoint parameter: ${listed}${map.unmapped.length > 3 ? '; …' : ''}`, {
      hint: `Check that --weights (${checkpoint.dir}) is the architecture this template was exported from, or pass --allow-unmapped to keep their template values.`,
    })
  }

  const initializers = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]))
  const byName = new Map<string, InitializerMapping>()
  const twinsOf = new Map<string, InitializerMapping[]>()
  for (const mapping of map.mappings) {
    if (mapping.twinOf) {
      const list = twinsOf.get(mapping.twinOf) ?? []
      list.push(mapping)
      twinsOf.set(mapping.twinOf, list)
    } else {
      byName.set(mapping.name, mapping)
    }
  }
  // Scales and zero points of re-quantized weights are written together with their weight.
  const quantizationParts = new Set(
    map.mappings.flatMap((m) => (m.scheme.kind === 'q4' ? [m.scheme.scales, m.scheme.zeroPoints] : m.scheme.kind === 'q8' ? [m.scheme.scale, m.scheme.zeroPoint] : [])).filter((n): n is string => n !== null),
  )
  const parameterUses = new Map<string, number>()
  for (const mapping of map.mappings) parameterUses.set(mapping.parameter, (parameterUses.get(mapping.parameter) ?? 0) + 1)

  const files = new FileAccess()
  // The last parameter read: a tied embedding feeds several initializers in a row.
  let cached: {name: string; source: ParameterSource} | null = null
  const parameterValues = (name: string): ParameterSource => {
    if (cached?.name === name) return cached.source
    const entry = checkpoint.tensors.get(name)!
    const bytes = new Uint8Array(entry.byteLength)
    files.readAt(entry.path, entry.offset, bytes)
    cached = {name, source: parameterSource(entry.dtype as FloatDType, bytes, product(entry.shape))}
    return cached.source
  }

  const external = graph.initializer.some((tensor) => tensor.externalData) ? new ExternalDataWriter(options.outputDir, templatePath) : null
  const defaultLocation = `${fileName}_data`
  /** The tensor as written: its bytes inline, or appended to the external data file it came from. */
  const place = (template: OnnxTensor, name: string, bytes: Uint8Array, dataType = template.dataType, dims = template.dims): OnnxTensor => {
    const tensor: OnnxTensor = {name, dims, dataType}
    if (template.docString !== undefined) tensor.docString = template.docString
    if (external && template.externalData) tensor.externalData = external.append(template.externalData.location || defaultLocation, bytes)
    else tensor.rawData = bytes
    return tensor
  }

  const records: OnnxInitializerRecord[] = []
  const written = new Map<string, OnnxTensor>()
  const extra = new Map<string, OnnxTensor[]>()
  const removedNodes = new Set<string>()
  const twinsSplit: string[] = []
  const record = (mapping: InitializerMapping, format: string, maxAbsDiff: number): void => {
    records.push({initializer: mapping.name, parameter: mapping.parameter, via: mapping.via, layout: mapping.layout, format, max_abs_diff: maxAbsDiff})
  }
  const floatBytes = (mapping: InitializerMapping, tensor: OnnxTensor) => {
    const dtype = floatDtypeOf(tensor.dataType)!
    return encodeFloatWeight(parameterValues(mapping.parameter), tensor.dims, mapping.layout, dtype)
  }

  try {
    for (const tensor of graph.initializer) {
      if (written.has(tensor.name) || quantizationParts.has(tensor.name)) continue
      const mapping = byName.get(tensor.name)
      let finalBytes: Uint8Array
      if (!mapping) {
        finalBytes = readTensorBytes(tensor, templatePath)
        if (external && tensor.externalData) written.set(tensor.name, place(tensor, tensor.name, finalBytes))
      } else if (mapping.scheme.kind === 'float' && external && tensor.externalData && !twinsOf.has(tensor.name)) {
        // Large weights live in external data: stream them chunk by chunk, never whole in memory.
        const dtype = floatDtypeOf(tensor.dataType)!
        let maxAbsDiff = 0
        const location = external.appendStreamed(tensor.externalData.location || defaultLocation, product(tensor.dims) * elementSize(tensor.dataType)!, (put) => {
          maxAbsDiff = encodeFloatWeight(parameterValues(mapping.parameter), tensor.dims, mapping.layout, dtype, put).maxAbsDiff
        })
        written.set(tensor.name, {name: tensor.name, dims: tensor.dims, dataType: tensor.dataType, externalData: location, ...(tensor.docString !== undefined ? {docString: tensor.docString} : {})})
        finalBytes = new Uint8Array(0)
        record(mapping, dataTypeName(tensor.dataType), maxAbsDiff)
      } else if (mapping.scheme.kind === 'float') {
        const encoded = floatBytes(mapping, tensor)
        finalBytes = encoded.bytes
        written.set(tensor.name, place(tensor, tensor.name, finalBytes))
        record(mapping, dataTypeName(tensor.dataType), encoded.maxAbsDiff)
      } else if (mapping.scheme.kind === 'q4') {
        const scheme = mapping.scheme
        const scales = initializers.get(scheme.scales)!
        const q = quantizeQ4(parameterValues(mapping.parameter), {N: scheme.N, K: scheme.K, blockSize: scheme.blockSize, scaleDtype: floatDtypeOf(scales.dataType)!, zeroPoints: scheme.zeroPoints !== null})
        finalBytes = q.packed
        written.set(tensor.name, place(tensor, tensor.name, q.packed))
        written.set(scales.name, place(scales, scales.name, q.scales))
        if (scheme.zeroPoints) written.set(scheme.zeroPoints, place(initializers.get(scheme.zeroPoints)!, scheme.zeroPoints, q.zeroPoints!))
        record(mapping, `q4 (MatMulNBits, block ${scheme.blockSize}${scheme.zeroPoints ? ', zero points' : ''}, ${dataTypeName(scales.dataType)} scales)`, q.maxAbsDiff)
      } else {
        const scheme = mapping.scheme
        const scale = initializers.get(scheme.scale)!
        const zeroPoint = scheme.zeroPoint ? initializers.get(scheme.zeroPoint)! : null
        const signed = tensor.dataType === TensorDataType.INT8
        const templateZeros = zeroPoint ? readTensorBytes(zeroPoint, templatePath) : new Uint8Array(1).fill(signed ? 0 : 128)
        const q = quantizeQ8(parameterValues(mapping.parameter), {
          shape: checkpoint.tensors.get(mapping.parameter)!.shape,
          layout: mapping.layout,
          signed,
          perChannel: product(scale.dims) > 1,
          symmetric: templateZeros.every((z) => z === (signed ? 0 : 128)),
          scaleDtype: floatDtypeOf(scale.dataType)!,
        })
        finalBytes = q.codes
        written.set(tensor.name, place(tensor, tensor.name, q.codes))
        written.set(scale.name, place(scale, scale.name, q.scales))
        if (zeroPoint) written.set(zeroPoint.name, place(zeroPoint, zeroPoint.name, q.zeroPoints.length === product(zeroPoint.dims) ? q.zeroPoints : q.zeroPoints.subarray(0, 1)))
        record(mapping, `q8 (${scheme.op}, ${dataTypeName(tensor.dataType)}, ${product(scale.dims) > 1 ? 'per channel' : 'per tensor'})`, q.maxAbsDiff)
      }
      // Identity twins: the exporter stored identical tensors once; a merge may make them differ.
      for (const twin of twinsOf.get(tensor.name) ?? []) {
        const encoded = floatBytes(twin, tensor)
        record(twin, dataTypeName(tensor.dataType), encoded.maxAbsDiff)
        if (Buffer.compare(Buffer.from(encoded.bytes.buffer, encoded.bytes.byteOffset, encoded.bytes.length), Buffer.from(finalBytes.buffer, finalBytes.byteOffset, finalBytes.length)) === 0) continue
        const list = extra.get(tensor.name) ?? []
        list.push(place(tensor, twin.name, encoded.bytes))
        extra.set(tensor.name, list)
        removedNodes.add(twin.name)
        twinsSplit.push(twin.name)
      }
      options.progress.advance(tensorBytes(tensor))
    }
  } finally {
    files.close({sync: false})
    external?.close()
  }

  graph.initializer = graph.initializer.flatMap((tensor) => [written.get(tensor.name) ?? tensor, ...(extra.get(tensor.name) ?? [])])
  graph.node = graph.node.filter((node) => !(node.opType === 'Identity' && removedNodes.has(node.output[0])))
  await writeParts(join(options.outputDir, fileName), encodeModelParts(model))

  const replaced = {by_name: 0, by_consumer: 0, tied: 0}
  for (const r of records) {
    if (r.via === 'tied' || (parameterUses.get(r.parameter) ?? 0) > 1) replaced.tied++
    else if (r.via === 'name') replaced.by_name++
    else replaced.by_consumer++
  }
  const report: OnnxFileReport = {
    file: fileName,
    session: variant.session,
    dtype: variant.dtype,
    initializers: graph.initializer.length,
    replaced,
    twins_split: twinsSplit,
    constants: map.constants.length,
    unmapped: map.unmapped,
    max_abs_diff: records.reduce((max, r) => Math.max(max, r.max_abs_diff), 0),
    external_data: external ? [...new Set(graph.initializer.flatMap((t) => (t.externalData ? [t.externalData.location] : [])))] : [],
    parameters: records,
  }
  return {report, used: new Set(map.mappings.map((m) => m.parameter))}
}

function tensorBytes(tensor: OnnxTensor): number {
  return tensor.rawData?.length ?? tensor.externalData?.length ?? 0
}

async function writeParts(path: string, parts: Uint8Array[]): Promise<void> {
  const fd = openSync(path, 'w')
  try {
    for (const part of parts) writeAll(fd, part)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
