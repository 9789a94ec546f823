import {TensorDataType, type OnnxAttribute, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValueInfo} from '../../io/onnx-proto'
import type {ExternalDataWriter} from '../../onnx/external-data-writer'

type AttributeValue = number | number[] | string

/** Where a graph's large initializers go instead of the protobuf (over 2 GB it cannot hold them). */
export interface ExternalDataSink {
  writer: ExternalDataWriter
  /** The data file's name, next to the graph (`decoder_model_merged.onnx_data`). */
  location: string
}

/** Initializers of at least this many bytes go to external data (onnx's own default threshold). */
const EXTERNAL_THRESHOLD = 1024

/**
 * Builds a graph the way torch.onnx names it: a node is `<scope>/<Op>` (with `_1`, `_2`… for repeats
 * in a scope), its output `<node name>_output_0`; shape constants are int64 initializers named after
 * the node that made them.
 */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = []
  readonly initializers: OnnxTensor[] = []
  private readonly counts = new Map<string, number>()

  /** With a sink, float and uint8 initializers of 1 KiB or more are written to it as they are added. */
  constructor(private readonly external?: ExternalDataSink) {}

  /**
   * Adds a node in `scope` (e.g. `/model/layers.0/self_attn/q_proj`) and returns its outputs: named
   * like the exporter's, or as given (graph outputs such as `logits`).
   */
  op(scope: string, opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs: number | string[] = 1, domain?: string): string[] {
    const base = `${scope}/${opType}`
    const count = this.counts.get(base) ?? 0
    this.counts.set(base, count + 1)
    const name = count === 0 ? base : `${base}_${count}`
    const output = typeof outputs === 'number' ? Array.from({length: outputs}, (_, i) => `${name}_output_${i}`) : outputs
    this.nodes.push({name, opType, ...(domain ? {domain} : {}), input: inputs, output, attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value))})
    return output
  }

  /** Like `op`, for a node with one output. */
  op1(scope: string, opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, output?: string): string {
    return this.op(scope, opType, inputs, attributes, output === undefined ? 1 : [output])[0]
  }

  float(name: string, dims: number[], values: Float32Array | number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values)
    return this.tensor(name, dims, TensorDataType.FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  }

  uint8(name: string, dims: number[], values: Uint8Array): string {
    return this.tensor(name, dims, TensorDataType.UINT8, values)
  }

  int64(name: string, values: number[]): string {
    const data = BigInt64Array.from(values.map(BigInt))
    this.initializers.push({name, dims: [values.length], dataType: TensorDataType.INT64, rawData: new Uint8Array(data.buffer)})
    return name
  }

  /** An initializer of raw little-endian bytes. */
  tensor(name: string, dims: number[], dataType: number, bytes: Uint8Array): string {
    if (this.external && bytes.byteLength >= EXTERNAL_THRESHOLD) {
      this.initializers.push({name, dims, dataType, externalData: this.external.writer.append(this.external.location, bytes)})
    } else {
      this.initializers.push({name, dims, dataType, rawData: bytes})
    }
    return name
  }

  graph(name: string, input: OnnxValueInfo[], output: OnnxValueInfo[]): OnnxGraph {
    return {name, node: this.nodes, initializer: this.initializers, input, output}
  }
}

function attribute(name: string, value: AttributeValue): OnnxAttribute {
  if (typeof value === 'string') return {name, type: 'string', s: value}
  if (Array.isArray(value)) return {name, type: 'ints', ints: value}
  return Number.isInteger(value) && !FLOAT_ATTRIBUTES.has(name) ? {name, type: 'int', i: value} : {name, type: 'float', f: value}
}

/** Attributes that are floats even when their value is whole (`alpha: 1`). */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'epsilon', 'value_float'])
