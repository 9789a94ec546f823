import {CmaamError} from '../errors'
import type {Checkpoint} from '../io/safetensors/types'
import {decoderKey} from '../models/decoder-key'
import type {ModelTypeAdapter} from '../models/types'

/** A text-only LLM under the VLM's names: what the plan reads in its place. */
export interface TextModelMapping {
  checkpoint: Checkpoint
  /** Its tensors with no counterpart in the VLM's language model or shared embeddings (left out). */
  unmapped: string[]
}

/**
 * Renames a text-only LLM's tensors (a math or reasoning fine-tune of the VLM's base LLM) to the
 * VLM's language and shared tensors with the same name below the decoder container, in either VLM
 * layout. Its decoder must match the VLM's language model: a layer the VLM lacks, or a layer tensor
 * of another shape, is refused. Embeddings and LM head may differ in rows (vocabulary size): the
 * plan merges their common rows.
 */
export function mapTextModel(llm: Checkpoint, target: Checkpoint, adapter: ModelTypeAdapter): TextModelMapping {
  const byKey = new Map<string, string>()
  for (const name of target.tensors.keys()) {
    const {component} = adapter.classify(name)
    if (component === 'language' || component === 'shared') byKey.set(decoderKey(name), name)
  }
  const tensors: Checkpoint['tensors'] = new Map()
  const unmapped: string[] = []
  const hint = `Merge a text model fine-tuned from the same base LLM as ${target.dir}'s language model (e.g. a Qwen2-7B fine-tune into Qwen2-VL-7B).`
  for (const [name, entry] of llm.tensors) {
    const targetName = byKey.get(decoderKey(name))
    if (targetName === undefined) {
      if (/^layers\.\d+\./.test(decoderKey(name))) {
        throw new CmaamError(`${llm.dir} is a text model whose decoder does not match ${target.dir}: it has ${name}, which the target's language model lacks`, {hint})
      }
      unmapped.push(name)
      continue
    }
    const t = target.tensors.get(targetName)!
    const sameShape = t.shape.length === entry.shape.length && t.shape.every((d, i) => d === entry.shape[i])
    if (!sameShape && adapter.classify(targetName).component === 'language') {
      throw new CmaamError(`${llm.dir} is a text model whose decoder does not match ${target.dir}: ${name} is [${entry.shape}], the target's ${targetName} is [${t.shape}]`, {hint})
    }
    tensors.set(targetName, {...entry, name: targetName})
  }
  if (tensors.size === 0) {
    throw new CmaamError(`${llm.dir} has no tensor of ${target.dir}'s language model`, {hint})
  }
  return {checkpoint: {...llm, tensors}, unmapped}
}
