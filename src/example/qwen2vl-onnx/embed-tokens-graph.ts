import {TensorDataType, type OnnxModel} from '../../io/onnx-proto'
import {GraphBuilder, type ExternalDataSink} from './graph-builder'
import type {Qwen2VLShape, WeightLookup} from './qwen2vl-shape'

/**
 * `embed_tokens.onnx`: `input_ids` → `inputs_embeds`. The embedding module exported on its own, so
 * its table keeps the module-relative name `weight`.
 */
export function embedTokensGraph(shape: Qwen2VLShape, weight: WeightLookup, external?: ExternalDataSink): OnnxModel {
  const g = new GraphBuilder(external)
  const table = weight('model.embed_tokens.weight')
  g.float('weight', table.shape, table.values)
  g.op1('', 'Gather', ['weight', 'input_ids'], {}, 'inputs_embeds')
  return {
    irVersion: 8,
    opsetImport: [{domain: '', version: 17}],
    producerName: 'cmaam',
    graph: g.graph(
      'main_graph',
      [{name: 'input_ids', elemType: TensorDataType.INT64, shape: ['batch_size', 'sequence_length']}],
      [{name: 'inputs_embeds', elemType: TensorDataType.FLOAT, shape: ['batch_size', 'sequence_length', shape.hidden]}],
    ),
  }
}
