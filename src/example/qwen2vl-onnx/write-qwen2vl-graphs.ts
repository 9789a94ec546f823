import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {ExternalDataWriter} from '../../onnx/external-data-writer'
import {encodeModel, type OnnxModel} from '../../io/onnx-proto'
import {decoderGraph} from './decoder-graph'
import {embedTokensGraph} from './embed-tokens-graph'
import type {ExternalDataSink} from './graph-builder'
import type {Qwen2VLShape, WeightLookup} from './qwen2vl-shape'
import {visionEncoderGraph} from './vision-encoder-graph'

export interface WriteQwen2VLGraphsOptions {
  /** The folder that gets `onnx/`. */
  output: string
  shape: Qwen2VLShape
  /** Called once per parameter a graph reads (the tied embedding twice): it may produce values on demand. */
  weight: WeightLookup
  /** `q4`: the decoder's Linear weights as MatMulNBits, files `<session>_q4.onnx` (default fp32). */
  dtype?: 'fp32' | 'q4'
  /**
   * Initializers of 1 KiB or more go to `<file>_data` next to each graph, written as they are made,
   * so that exports over protobuf's 2 GB limit can be written and nothing large stays in memory.
   */
  externalData?: boolean
}

const SESSIONS = ['embed_tokens', 'vision_encoder', 'decoder_model_merged'] as const

/** Writes the three transformers.js Qwen2-VL graphs; returns their paths relative to `output`. */
export async function writeQwen2VLGraphs(options: WriteQwen2VLGraphsOptions): Promise<string[]> {
  const {shape, weight} = options
  const suffix = options.dtype === 'q4' ? '_q4' : ''
  await mkdir(join(options.output, 'onnx'), {recursive: true})
  const files: string[] = []
  for (const session of SESSIONS) {
    const file = `${session}${suffix}.onnx`
    const writer = options.externalData ? new ExternalDataWriter(join(options.output, 'onnx'), file) : null
    const external: ExternalDataSink | undefined = writer ? {writer, location: `${file}_data`} : undefined
    let graph: OnnxModel
    try {
      if (session === 'embed_tokens') graph = embedTokensGraph(shape, weight, external)
      else if (session === 'vision_encoder') graph = visionEncoderGraph(shape, weight, external)
      else graph = decoderGraph(shape, weight, {external, q4: options.dtype === 'q4'})
    } finally {
      writer?.close()
    }
    await writeFile(join(options.output, 'onnx', file), encodeModel(graph))
    files.push(`onnx/${file}`)
  }
  return files
}
