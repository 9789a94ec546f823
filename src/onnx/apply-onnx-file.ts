import {closeSync, fsyncSync, openSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {Progress} from '../progress'
import {FileAccess} from '../compute/file-access'
import {CmaamError} from '../errors'
import {isFloatDType, type FloatDType} from '../io/dtype'
import type {Checkpoint} from '../io/safetensors/types'
import type {ModelTypeAdapter} from '../models/types'
import {encodeFloatWeight} from './encode-float-weight'
import {ExternalDataWriter, writeAll} from './external-data-writer'
import {parameterSource, type ParameterSource} from './parameter-source'
import {mapInitializers, sessionRole, type InitializerMapping} from './map-initializers'
import type {OnnxVariant} from './onnx-variants'
import {decodeModel} from '../io/onnx-proto/decode-model'
import {encodeModelParts} from '../io/onnx-proto/encode-model'
import type {OnnxGraph, OnnxTensor} from '../io/onnx-proto/types'
import {TensorDataType} from '../io/onnx-proto/types'
import {quantizeQ4} from './quantize-q4'
import {quantizeQ8} from './quantize-q8'
import {readInitializerBytes} from './read-initializer-bytes'
import {dataTypeName, elementSize, floatDtypeOf, product} from './tensor-types'
import type {OnnxFileReport, OnnxInitializerRecord} from './types'

export interface ApplyOnnxFileOptions {
  /** The template's ONNX file, and what it is. */
  templatePath: string
  variant: OnnxVariant
  /** Folder to write `<session><suffix>.onnx` (and its external data) into. */
  outputDir: string
  checkpoint: Checkpoint
  adapter: ModelTypeAdapter
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
  if (!options.allowUnmapped) refuseUnmapped(map.unmapped, templatePath, checkpoint.dir)

  const initializers = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]))
  const {byName, twinsOf, quantizationParts, parameterUses} = indexMappings(map.mappings)

  const files = new FileAccess()
  const parameterValues = parameterReader(checkpoint, files)
  const external = graph.initializer.some((tensor) => tensor.externalData) ? new ExternalDataWriter(options.outputDir, templatePath) : null
  const defaultLocation = `${fileName}_data`
  const place = placer(external, defaultLocation)

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

  const writes: Writes = {place, values: parameterValues, written, record, initializers, templatePath, checkpoint}

  try {
    for (const tensor of graph.initializer) {
      if (written.has(tensor.name) || quantizationParts.has(tensor.name)) continue
      const mapping = byName.get(tensor.name)
      let finalBytes: Uint8Array
      if (!mapping) {
        finalBytes = readInitializerBytes(tensor, templatePath)
        if (external && tensor.externalData) written.set(tensor.name, place(tensor, tensor.name, finalBytes))
      } else if (mapping.scheme.kind === 'float' && external && tensor.externalData && !twinsOf.has(tensor.name)) {
        // Large weights live in external data: stream them chunk by chunk, never whole in memory.
        streamFloat(tensor, mapping, external, tensor.externalData.location || defaultLocation, writes)
        finalBytes = new Uint8Array(0)
      } else if (mapping.scheme.kind === 'float') {
        const encoded = floatBytes(mapping, tensor)
        finalBytes = encoded.bytes
        written.set(tensor.name, place(tensor, tensor.name, finalBytes))
        record(mapping, dataTypeName(tensor.dataType), encoded.maxAbsDiff)
      } else if (mapping.scheme.kind === 'q4') {
        finalBytes = writeQ4(tensor, mapping, mapping.scheme, writes)
      } else {
        finalBytes = writeQ8(tensor, mapping, mapping.scheme, writes)
      }
      // Identity twins: the exporter stored identical tensors once; a merge may make them differ.
      const split = (twinsOf.get(tensor.name) ?? []).flatMap((twin) => splitTwin(tensor, twin, finalBytes, floatBytes, writes))
      if (split.length > 0) extra.set(tensor.name, split)
      for (const twin of split) {
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

  const report = fileReport({fileName, variant, graph, records, parameterUses, twinsSplit, map, external: external !== null})
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

/** Initializers that look like parameters but map to none: refused unless --allow-unmapped. */
function refuseUnmapped(unmapped: OnnxFileReport['unmapped'], templatePath: string, weightsDir: string): void {
  if (unmapped.length === 0) return
  const listed = unmapped.slice(0, 3).map((u) => `${u.name} (${u.reason})`).join('; ')
  throw new CmaamError(`${templatePath}: ${unmapped.length} initializer${unmapped.length === 1 ? '' : 's'} that look like parameters map to no single checkpoint parameter: ${listed}${unmapped.length > 3 ? '; …' : ''}`, {
    hint: `Check that --weights (${weightsDir}) is the architecture this template was exported from, or pass --allow-unmapped to keep their template values.`,
  })
}

/** The mappings by initializer, the identity twins of each, the quantization parts written with their weight, and how often each parameter is used. */
function indexMappings(mappings: InitializerMapping[]) {
  const byName = new Map<string, InitializerMapping>()
  const twinsOf = new Map<string, InitializerMapping[]>()
  for (const mapping of mappings) {
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
    mappings.flatMap((m) => (m.scheme.kind === 'q4' ? [m.scheme.scales, m.scheme.zeroPoints] : m.scheme.kind === 'q8' ? [m.scheme.scale, m.scheme.zeroPoint] : [])).filter((n): n is string => n !== null),
  )
  const parameterUses = new Map<string, number>()
  for (const mapping of mappings) parameterUses.set(mapping.parameter, (parameterUses.get(mapping.parameter) ?? 0) + 1)
  return {byName, twinsOf, quantizationParts, parameterUses}
}

interface FileReportParts {
  fileName: string
  variant: ApplyOnnxFileOptions['variant']
  graph: OnnxGraph
  records: OnnxInitializerRecord[]
  parameterUses: Map<string, number>
  twinsSplit: string[]
  map: ReturnType<typeof mapInitializers>
  external: boolean
}

/** The file's entry of cmaam_onnx_report.json. */
function fileReport({fileName, variant, graph, records, parameterUses, twinsSplit, map, external}: FileReportParts): OnnxFileReport {
  const replaced = {by_name: 0, by_consumer: 0, tied: 0}
  for (const r of records) {
    if (r.via === 'tied' || (parameterUses.get(r.parameter) ?? 0) > 1) replaced.tied++
    else if (r.via === 'name') replaced.by_name++
    else replaced.by_consumer++
  }
  return {
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
}

/** What the per-initializer writers share: where a tensor goes, a parameter's values, what was written. */
interface Writes {
  place: (template: OnnxTensor, name: string, bytes: Uint8Array, dataType?: number, dims?: number[]) => OnnxTensor
  values: (parameter: string) => ParameterSource
  written: Map<string, OnnxTensor>
  record: (mapping: InitializerMapping, format: string, maxAbsDiff: number) => void
  initializers: Map<string, OnnxTensor>
  templatePath: string
  checkpoint: ApplyOnnxFileOptions['checkpoint']
}

/** A MatMulNBits weight re-quantized to 4 bits with the template's block size, scales and zero points. */
function writeQ4(tensor: OnnxTensor, mapping: InitializerMapping, scheme: Extract<InitializerMapping['scheme'], {kind: 'q4'}>, {place, values: parameterValues, written, record, initializers}: Writes): Uint8Array {
  const scales = initializers.get(scheme.scales)!
  const q = quantizeQ4(parameterValues(mapping.parameter), {N: scheme.N, K: scheme.K, blockSize: scheme.blockSize, scaleDtype: floatDtypeOf(scales.dataType)!, zeroPoints: scheme.zeroPoints !== null})
  written.set(tensor.name, place(tensor, tensor.name, q.packed))
  written.set(scales.name, place(scales, scales.name, q.scales))
  if (scheme.zeroPoints) written.set(scheme.zeroPoints, place(initializers.get(scheme.zeroPoints)!, scheme.zeroPoints, q.zeroPoints!))
  record(mapping, `q4 (MatMulNBits, block ${scheme.blockSize}${scheme.zeroPoints ? ', zero points' : ''}, ${dataTypeName(scales.dataType)} scales)`, q.maxAbsDiff)
  return q.packed
}

/** An 8-bit weight re-quantized with the template's scheme (per tensor or channel, symmetric or not). */
function writeQ8(tensor: OnnxTensor, mapping: InitializerMapping, scheme: Extract<InitializerMapping['scheme'], {kind: 'q8'}>, {place, values: parameterValues, written, record, initializers, templatePath, checkpoint}: Writes): Uint8Array {
  const scale = initializers.get(scheme.scale)!
  const zeroPoint = scheme.zeroPoint ? initializers.get(scheme.zeroPoint)! : null
  const signed = tensor.dataType === TensorDataType.INT8
  const templateZeros = zeroPoint ? readInitializerBytes(zeroPoint, templatePath) : new Uint8Array(1).fill(signed ? 0 : 128)
  const q = quantizeQ8(parameterValues(mapping.parameter), {
    shape: checkpoint.tensors.get(mapping.parameter)!.shape,
    layout: mapping.layout,
    signed,
    perChannel: product(scale.dims) > 1,
    symmetric: templateZeros.every((z) => z === (signed ? 0 : 128)),
    scaleDtype: floatDtypeOf(scale.dataType)!,
  })
  written.set(tensor.name, place(tensor, tensor.name, q.codes))
  written.set(scale.name, place(scale, scale.name, q.scales))
  if (zeroPoint) written.set(zeroPoint.name, place(zeroPoint, zeroPoint.name, q.zeroPoints.length === product(zeroPoint.dims) ? q.zeroPoints : q.zeroPoints.subarray(0, 1)))
  record(mapping, `q8 (${scheme.op}, ${dataTypeName(tensor.dataType)}, ${product(scale.dims) > 1 ? 'per channel' : 'per tensor'})`, q.maxAbsDiff)
  return q.codes
}

/** A float weight appended to its external data file chunk by chunk. */
function streamFloat(tensor: OnnxTensor, mapping: InitializerMapping, external: ExternalDataWriter, location: string, {values, written, record}: Writes): void {
  const dtype = floatDtypeOf(tensor.dataType)!
  let maxAbsDiff = 0
  const externalData = external.appendStreamed(location, product(tensor.dims) * elementSize(tensor.dataType)!, (put) => {
    maxAbsDiff = encodeFloatWeight(values(mapping.parameter), tensor.dims, mapping.layout, dtype, put).maxAbsDiff
  })
  written.set(tensor.name, {name: tensor.name, dims: tensor.dims, dataType: tensor.dataType, externalData, ...(tensor.docString !== undefined ? {docString: tensor.docString} : {})})
  record(mapping, dataTypeName(tensor.dataType), maxAbsDiff)
}

/** An identity twin (the exporter stored identical tensors once): its own initializer when the merge made it differ, else none. */
function splitTwin(tensor: OnnxTensor, twin: InitializerMapping, bytes: Uint8Array, floatBytes: (mapping: InitializerMapping, tensor: OnnxTensor) => {bytes: Uint8Array; maxAbsDiff: number}, {place, record}: Writes): OnnxTensor[] {
  const encoded = floatBytes(twin, tensor)
  record(twin, dataTypeName(tensor.dataType), encoded.maxAbsDiff)
  if (Buffer.compare(Buffer.from(encoded.bytes.buffer, encoded.bytes.byteOffset, encoded.bytes.length), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)) === 0) return []
  return [place(tensor, twin.name, encoded.bytes)]
}

/** A parameter's values from the checkpoint; the last one read is kept, as a tied embedding feeds several initializers in a row. */
function parameterReader(checkpoint: ApplyOnnxFileOptions['checkpoint'], files: FileAccess): (name: string) => ParameterSource {
  let cached: {name: string; source: ParameterSource} | null = null
  return (name) => {
    if (cached?.name === name) return cached.source
    const entry = checkpoint.tensors.get(name)!
    const bytes = new Uint8Array(entry.byteLength)
    files.readAt(entry.path, entry.offset, bytes)
    cached = {name, source: parameterSource(entry.dtype as FloatDType, bytes, product(entry.shape))}
    return cached.source
  }
}

/** The tensor as written: its bytes inline, or appended to the external data file it came from. */
function placer(external: ExternalDataWriter | null, defaultLocation: string): Writes['place'] {
  return (template, name, bytes, dataType = template.dataType, dims = template.dims) => {
    const tensor: OnnxTensor = {name, dims, dataType}
    if (template.docString !== undefined) tensor.docString = template.docString
    if (external && template.externalData) tensor.externalData = external.append(template.externalData.location || defaultLocation, bytes)
    else tensor.rawData = bytes
    return tensor
  }
}
