import {CmaamError} from '../errors'
import type {ModelTypeAdapter} from '../models/types'
import {modulePath} from './module-path'
import type {OnnxGraph, OnnxNode, OnnxTensor} from '../io/onnx-proto/types'
import {TensorDataType} from '../io/onnx-proto/types'
import {floatDtypeOf, product} from './tensor-types'

/** How an initializer holds a parameter: as it is ([out, in] for a Linear), or transposed ([in, out]). */
export type Layout = 'same' | 'transposed'

/** Which part of the model an ONNX session runs: decides between parameters a relative name fits equally. */
export type SessionRole = 'embed' | 'vision' | 'decoder' | 'any'

/** How the template stores a weight, and so how cmaam writes it. */
export type WeightScheme =
  | {kind: 'float'}
  /** MatMulNBits (com.microsoft): block-wise 4-bit along K, W[k, n] = (q − zero point) · scale. */
  | {kind: 'q4'; node: string; K: number; N: number; blockSize: number; scales: string; zeroPoints: string | null}
  /** MatMulInteger / ConvInteger / Gather on 8-bit weights: (q − zero point) · scale, per tensor or per output channel. */
  | {kind: 'q8'; node: string; op: string; scale: string; zeroPoint: string | null}

export interface InitializerMapping {
  /** The initializer that takes the value (for an Identity twin: the twin's output name). */
  name: string
  parameter: string
  /** By the initializer's own name, by the module path of the node that reads it, or through tied embeddings. */
  via: 'name' | 'consumer' | 'tied'
  layout: Layout
  scheme: WeightScheme
  /** For an Identity twin: the initializer it copies in the template. */
  twinOf?: string
}

export interface InitializerMap {
  /** Initializers first, in graph order, then Identity twins. */
  mappings: InitializerMapping[]
  /** Initializers left as they are: not parameters (shape constants, rotary tables, masks, …). */
  constants: string[]
  /** Parameter-looking initializers that map to no parameter, or to several: why, per name. */
  unmapped: {name: string; reason: string}[]
}

export interface MapInitializersOptions {
  /** Parameter name → shape of every float tensor of the checkpoint. */
  parameters: Map<string, number[]>
  role: SessionRole
  adapter: ModelTypeAdapter
  /** The file, for messages. */
  file: string
}

/** Ops that read a weight input: the input index, the parameter kind it holds, and its layout. */
function weightInputs(node: OnnxNode): {index: number; kind: 'weight' | 'bias'; layout: Layout; primary: boolean}[] {
  switch (node.opType) {
    case 'MatMul':
    case 'MatMulNBits':
    case 'MatMulInteger':
      return [{index: 1, kind: 'weight', layout: 'transposed', primary: true}]
    case 'Gemm': {
      const transB = Number(node.attribute?.find((a) => a.name === 'transB')?.i ?? 0)
      return [
        {index: 1, kind: 'weight', layout: transB ? 'same' : 'transposed', primary: true},
        {index: 2, kind: 'bias', layout: 'same', primary: false},
      ]
    }
    case 'Conv':
    case 'ConvInteger':
      return [
        {index: 1, kind: 'weight', layout: 'same', primary: true},
        {index: 2, kind: 'bias', layout: 'same', primary: false},
      ]
    case 'Gather':
      return [{index: 0, kind: 'weight', layout: 'same', primary: false}]
    case 'LayerNormalization':
    case 'SimplifiedLayerNormalization':
      return [
        {index: 1, kind: 'weight', layout: 'same', primary: false},
        {index: 2, kind: 'bias', layout: 'same', primary: false},
      ]
    case 'Add':
      return [0, 1].map((index) => ({index, kind: 'bias' as const, layout: 'same' as const, primary: false}))
    case 'Mul':
      return [0, 1].map((index) => ({index, kind: 'weight' as const, layout: 'same' as const, primary: false}))
    default:
      return []
  }
}

/** Quantized ops whose weight formats cmaam does not write: a template using one on a weight is refused. */
const UNSUPPORTED_QUANTIZED_OPS = new Set([
  'MatMulBnb4', 'GatherBlockQuantized', 'QLinearMatMul', 'QLinearConv', 'QGemm', 'QAttention', 'DynamicQuantizeMatMul',
  'MatMulIntegerToFloat', 'DequantizeLinear', 'MatMulFpQ4', 'QOrderedMatMul', 'FusedMatMulActivation',
])
const QUANTIZED_TYPES = new Set<number>([TensorDataType.UINT8, TensorDataType.INT8, 21, 22])
const PARAMETER_SUFFIX = /(^|\.)(weight|bias)$/

interface Entry {
  name: string
  tensor: OnnxTensor
  twinOf?: string
}

/**
 * Finds, for every initializer of a graph, the checkpoint parameter it holds: by its name (exact,
 * or as a suffix: names relative to the exported module), else by the module path of the node that
 * reads it (`onnx::MatMul_N` → `/model/layers.0/mlp/up_proj/MatMul` → `…mlp.up_proj.weight`,
 * transposed), where the shape must fit. A name that fits several parameters is settled by the
 * prefix the session's other initializers matched with, then by the session's role.
 */
export function mapInitializers(graph: OnnxGraph, options: MapInitializersOptions): InitializerMap {
  const initializers = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]))
  const consumers = consumersOf(graph)
  const {schemes, auxiliary} = findQuantizedWeights(graph, initializers, consumers, options.file)

  const entries = initializerEntries(graph, initializers, schemes, auxiliary)

  const {fits, search} = parameterSearch(options.parameters)

  const plans = entries.map((entry) => routesOf(entry, schemes, consumers))

  // Pass 1: unique matches, and the prefixes they reveal (`model.`, `visual.`, `model.visual.`…).
  const prefixes = new Set<string>()
  const firstMatch = plans.map((plan) => {
    if (plan.scheme === null) return null
    if (options.parameters.has(plan.entry.name) && fits(plan.entry.name, plan.dims, plan.routes[0].layout)) {
      return {route: plan.routes[0], key: plan.entry.name, found: [plan.entry.name]}
    }
    for (const route of plan.routes) {
      const {key, found} = search(route.key, plan.dims, route.layout)
      if (found.length > 0) return {route, key, found}
    }
    return null
  })
  firstMatch.forEach((match) => {
    if (match?.found.length === 1) prefixes.add(match.found[0].slice(0, match.found[0].length - match.key.length))
  })

  const result: InitializerMap = {mappings: [], constants: [], unmapped: []}
  plans.forEach((plan, i) => {
    const {entry, scheme} = plan
    let match = firstMatch[i]
    let via = match?.route.via
    if (!match && scheme) {
      // Tied embeddings: the checkpoint has no lm_head.weight, the embedding serves for both.
      const tied = plan.routes.find((route) => /(^|\.)lm_head\.weight$/.test(route.key))
      if (tied) {
        const {key, found} = search('embed_tokens.weight', plan.dims, tied.layout)
        if (found.length > 0) {
          match = {route: tied, key, found}
          via = 'tied'
        }
      }
    }
    if (!match || !scheme) {
      if (plan.looksLikeParameter) result.unmapped.push({name: entry.name, reason: 'no checkpoint parameter has its name (or its reader’s module path) and shape'})
      else if (!entry.twinOf) result.constants.push(entry.name)
      return
    }
    let found = match.found
    if (found.length > 1) {
      const byPrefix = found.filter((name) => prefixes.has(name.slice(0, name.length - match!.key.length)))
      if (byPrefix.length > 0) found = byPrefix
    }
    if (found.length > 1) {
      const byRole = found.filter((name) => fitsRole(name, options.role, options.adapter))
      if (byRole.length > 0) found = byRole
    }
    if (found.length > 1) {
      result.unmapped.push({name: entry.name, reason: `fits ${found.length} parameters: ${found.slice(0, 4).join(', ')}${found.length > 4 ? ', …' : ''}`})
      return
    }
    result.mappings.push({
      name: entry.name,
      parameter: found[0],
      via: via ?? 'name',
      layout: match.route.layout,
      scheme,
      ...(entry.twinOf ? {twinOf: entry.twinOf} : {}),
    })
  })
  return result
}

function fitsRole(name: string, role: SessionRole, adapter: ModelTypeAdapter): boolean {
  switch (role) {
    case 'embed':
      return /(^|\.)(embed_tokens|wte|word_embeddings)\./.test(name)
    case 'vision': {
      const {component} = adapter.classify(name)
      return component === 'vision' || component === 'bridge'
    }
    case 'decoder': {
      const {component} = adapter.classify(name)
      return component === 'language' || component === 'shared'
    }
    default:
      return true
  }
}

/** The session role of an ONNX file's session name. */
export function sessionRole(session: string): SessionRole {
  if (/embed_tokens|embed/.test(session)) return 'embed'
  if (/vision|image/.test(session)) return 'vision'
  if (/decoder|^model$|text/.test(session)) return 'decoder'
  return 'any'
}

/**
 * The quantized weights of a graph and their schemes, and the initializers that belong to a
 * scheme (scales, zero points) rather than to a parameter. Refuses quantized weights read by an
 * op whose format cmaam does not write.
 */
function findQuantizedWeights(
  graph: OnnxGraph,
  initializers: Map<string, OnnxTensor>,
  consumers: Map<string, {node: OnnxNode; index: number}[]>,
  file: string,
): {schemes: Map<string, WeightScheme>; auxiliary: Set<string>} {
  const schemes = new Map<string, WeightScheme>()
  const auxiliary = new Set<string>()
  const refuse = (node: OnnxNode, why: string): never => {
    throw new CmaamError(`${file}: node ${node.name || '(unnamed)'} (${node.opType}) ${why}; cmaam cannot re-quantize this scheme`, {
      hint: 'Pick precisions cmaam re-quantizes (fp32, fp16, q4/q4f16 MatMulNBits, q8 MatMulInteger) with --dtype.',
    })
  }
  const attribute = (node: OnnxNode, name: string): number | undefined => {
    const value = node.attribute?.find((a) => a.name === name)?.i
    return value === undefined ? undefined : Number(value)
  }
  const initializer = (name: string | undefined): OnnxTensor | undefined => (name ? initializers.get(name) : undefined)

  for (const node of graph.node) {
    const weight = initializer(node.input[node.opType === 'Gather' ? 0 : 1])
    if (node.opType === 'MatMulNBits' && weight) {
      const bits = attribute(node, 'bits') ?? 4
      const K = attribute(node, 'K')
      const N = attribute(node, 'N')
      const blockSize = attribute(node, 'block_size')
      if (bits !== 4) refuse(node, `stores ${bits}-bit weights`)
      if (K === undefined || N === undefined || blockSize === undefined) refuse(node, 'lacks its K, N or block_size attribute')
      if (node.input[4]) refuse(node, 'has a g_idx input (act-order quantization)')
      const scales = initializer(node.input[2])
      const zeroPoints = node.input[3] ? initializer(node.input[3]) : undefined
      if (!scales || !floatDtypeOf(scales.dataType)) refuse(node, 'has no float scales initializer')
      if (node.input[3] && (!zeroPoints || zeroPoints.dataType !== TensorDataType.UINT8)) refuse(node, 'has zero points that are not packed uint8')
      const blocks = Math.ceil(K! / blockSize!)
      if (weight.dataType !== TensorDataType.UINT8 || product(weight.dims) !== N! * blocks * (blockSize! / 2)) refuse(node, `has a packed weight of shape [${weight.dims}], not [${N}, ${blocks}, ${blockSize! / 2}]`)
      if (product(scales!.dims) !== N! * blocks) refuse(node, `has ${product(scales!.dims)} scales, not ${N! * blocks}`)
      if (zeroPoints && product(zeroPoints.dims) !== N! * Math.ceil(blocks / 2)) refuse(node, `has ${product(zeroPoints.dims)} zero-point bytes, not ${N! * Math.ceil(blocks / 2)}`)
      schemes.set(weight.name, {kind: 'q4', node: node.name ?? '', K: K!, N: N!, blockSize: blockSize!, scales: scales!.name, zeroPoints: zeroPoints?.name ?? null})
      auxiliary.add(scales!.name)
      if (zeroPoints) auxiliary.add(zeroPoints.name)
      continue
    }
    const q8 = node.opType === 'MatMulInteger' || node.opType === 'ConvInteger' || (node.opType === 'Gather' && weight && QUANTIZED_TYPES.has(weight.dataType))
    if (q8 && weight) {
      const base = weight.name.replace(/_quantized$/, '')
      const scale = initializer(`${base}_scale`)
      const zeroPoint = initializer(node.opType === 'Gather' ? `${base}_zero_point` : node.input[3]) ?? initializer(`${base}_zero_point`)
      if (!QUANTIZED_TYPES.has(weight.dataType) || weight.dataType > TensorDataType.INT8) refuse(node, 'has a weight that is not uint8 or int8')
      if (!scale || !floatDtypeOf(scale.dataType)) refuse(node, `has no scale initializer ${base}_scale`)
      if (!zeroPoint && weight.dataType === TensorDataType.UINT8) refuse(node, 'has a uint8 weight without a zero point')
      const channels = node.opType === 'MatMulInteger' ? weight.dims[weight.dims.length - 1] : weight.dims[0]
      for (const part of [scale!, zeroPoint].filter((t): t is OnnxTensor => t !== undefined)) {
        const count = product(part.dims)
        if (count !== 1 && count !== channels) refuse(node, `has ${part.name} of ${count} values: neither per tensor nor per output channel`)
      }
      if (node.opType === 'Gather' && product(scale!.dims) !== 1) refuse(node, 'dequantizes a gathered weight per channel')
      schemes.set(weight.name, {kind: 'q8', node: node.name ?? '', op: node.opType, scale: scale!.name, zeroPoint: zeroPoint?.name ?? null})
      auxiliary.add(scale!.name)
      if (zeroPoint) auxiliary.add(zeroPoint.name)
      continue
    }
    if (UNSUPPORTED_QUANTIZED_OPS.has(node.opType)) {
      const quantized = node.input.map((input) => initializer(input)).find((t) => t && QUANTIZED_TYPES.has(t.dataType) && product(t.dims) > 1)
      if (quantized) refuse(node, `reads the quantized weight ${quantized.name}`)
    }
  }
  // A scale or zero point read elsewhere too would be changed under that reader: refuse rather than guess.
  for (const name of auxiliary) {
    const readers = consumers.get(name) ?? []
    const odd = readers.find(({node}) => !['MatMulNBits', 'MatMulInteger', 'ConvInteger', 'Mul', 'DequantizeLinear', 'Cast', 'Sub'].includes(node.opType))
    if (odd) refuse(odd.node, `reads the quantization parameter ${name}`)
  }
  return {schemes, auxiliary}
}

/** The nodes that read each value, with the input position they read it at. */
function consumersOf(graph: OnnxGraph): Map<string, {node: OnnxNode; index: number}[]> {
  const consumers = new Map<string, {node: OnnxNode; index: number}[]>()
  for (const node of graph.node) {
    node.input.forEach((input, index) => {
      if (input === '') return
      let list = consumers.get(input)
      if (!list) consumers.set(input, (list = []))
      list.push({node, index})
    })
  }
  return consumers
}

/** The initializers to map (quantization scales and zero points left out), and the outputs of Identity nodes that copy a float one (its twins). */
function initializerEntries(graph: OnnxGraph, initializers: Map<string, OnnxTensor>, schemes: Map<string, unknown>, auxiliary: Set<string>): Entry[] {
  const entries: Entry[] = graph.initializer.filter((tensor) => !auxiliary.has(tensor.name)).map((tensor) => ({name: tensor.name, tensor}))
  for (const node of graph.node) {
    const source = node.opType === 'Identity' ? initializers.get(node.input[0]) : undefined
    if (source && !initializers.has(node.output[0]) && !schemes.has(source.name) && floatDtypeOf(source.dataType)) {
      entries.push({name: node.output[0], tensor: source, twinOf: source.name})
    }
  }
  return entries
}

/** Whether a parameter's shape fits an initializer's dims, and the search of parameters by name suffix. */
function parameterSearch(parameters: Map<string, number[]>) {
  const parameterNames = [...parameters.keys()]
  const fits = (parameter: string, dims: number[], layout: Layout): boolean => {
    const shape = parameters.get(parameter) as number[]
    if (layout === 'transposed') return dims.length === 2 && shape.length === 2 && shape[0] === dims[1] && shape[1] === dims[0]
    return shape.length === dims.length && shape.every((size, i) => size === dims[i])
  }
  /** Parameters whose name ends with `key` (dropping leading segments of `key` until one does) and whose shape fits. */
  const search = (key: string, dims: number[], layout: Layout): {key: string; found: string[]} => {
    const parts = key.split('.')
    for (let drop = 0; drop === 0 || parts.length - drop >= 2; drop++) {
      const suffix = parts.slice(drop).join('.')
      const found = parameterNames.filter((name) => (name === suffix || name.endsWith(`.${suffix}`)) && fits(name, dims, layout))
      if (found.length > 0) return {key: suffix, found}
    }
    return {key, found: []}
  }
  return {fits, search}
}

interface Route {
  key: string
  layout: Layout
  via: InitializerMapping['via']
}

/** How an initializer may be found: by its own name, then by the module path of each node that reads it as a weight; and whether it looks like a parameter at all. */
function routesOf(entry: Entry, schemes: ReturnType<typeof findQuantizedWeights>['schemes'], consumers: Map<string, {node: OnnxNode; index: number}[]>) {
  const scheme = schemes.get(entry.name) ?? (floatDtypeOf(entry.tensor.dataType) ? {kind: 'float' as const} : null)
  const dims = scheme?.kind === 'q4' ? [scheme.K, scheme.N] : entry.tensor.dims
  const readers = (consumers.get(entry.name) ?? []).flatMap(({node, index}) =>
    weightInputs(node).filter((input) => input.index === index).map((input) => ({node, ...input})),
  )
  const primary = readers.find((reader) => reader.primary)
  const ownName = entry.name.replace(/(_Q4|_quantized)$/, '')
  const routes: Route[] = [{key: ownName, layout: primary?.layout ?? 'same', via: 'name'}]
  for (const reader of readers) {
    const module = modulePath(reader.node.name)
    if (module) routes.push({key: `${module}.${reader.kind}`, layout: reader.layout, via: 'consumer'})
  }
  const looksLikeParameter =
    scheme !== null && (scheme.kind !== 'float' || PARAMETER_SUFFIX.test(entry.name) || (primary !== undefined && dims.length >= 2))
  return {entry, scheme, dims, routes, looksLikeParameter}
}
