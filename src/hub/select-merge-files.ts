import {CmaamError} from '../errors'
import {isPickleWeights} from '../io/is-pickle-weights'
import {MODEL_FILES} from '../io/output/copy-model-files'
import {INDEX_FILE, SINGLE_FILE} from '../io/safetensors/names'
import {ADAPTER_CONFIG_FILE} from '../io/peft-file-names'
import type {WeightIndex} from '../io/checkpoint/parse-weight-index'


/** Small files a merge reads or copies to its output, besides the weights; README.md for the license the merged model inherits. */
const SUPPORT_FILES = new Set([INDEX_FILE, ...MODEL_FILES, 'README.md', ADAPTER_CONFIG_FILE])

export interface SelectMergeFilesOptions {
  /** Every file of the repo (or snapshot), relative to its root. */
  paths: string[]
  /** Reads the index; called only when `paths` has one. */
  loadIndex: () => Promise<WeightIndex>
  /** `org/name@revision`, for messages. */
  source: string
}

export interface MergeFiles {
  support: string[]
  /** The weights a merge reads: the index's shards, else `model.safetensors`, else every top-level `*.safetensors`. */
  weights: string[]
  index: WeightIndex | null
  /** Shards the index lists that are not in `paths`. */
  missing: string[]
}

/**
 * Picks what a merge needs from a repo, as transformers loads a model: the index and its shards,
 * or a single file. Other safetensors (e.g. Mistral's `consolidated.safetensors` next to the
 * shards) are not fetched, and pickles never are.
 */
export async function selectMergeFiles(options: SelectMergeFilesOptions): Promise<MergeFiles> {
  const {paths, source} = options
  const present = new Set(paths)
  const support = paths.filter((path) => SUPPORT_FILES.has(path)).sort()
  const index = present.has(INDEX_FILE) ? await options.loadIndex() : null

  let weights: string[]
  if (index) {
    // The index reader has checked that each shard stays inside the repo.
    weights = index.files
    for (const shard of weights) {
      if (!shard.endsWith('.safetensors')) {
        throw new CmaamError(`${INDEX_FILE} of ${source} lists a shard that is not a .safetensors file: ${JSON.stringify(shard)}`, {
          hint: 'Shard names must be .safetensors files inside the repo.',
        })
      }
    }
  } else if (present.has(SINGLE_FILE)) {
    weights = [SINGLE_FILE]
  } else {
    weights = paths.filter((path) => !path.includes('/') && path.endsWith('.safetensors')).sort()
  }
  if (weights.length > 0) return {support, weights, index, missing: weights.filter((shard) => !present.has(shard))}

  const pickles = paths.filter((path) => isPickleWeights(path))
  if (pickles.length > 0) {
    const listed = pickles.slice(0, 3).join(', ') + (pickles.length > 3 ? ', …' : '')
    throw new CmaamError(`${source} has only pickle weights (${listed}); cmaam reads safetensors only`, {
      hint:
        'Loading a pickle can run arbitrary code, so cmaam refuses them. Convert the model to safetensors first ' +
        '(https://huggingface.co/spaces/safetensors/convert opens a pull request with the conversion, or load it in ' +
        'transformers and call save_pretrained(dir, safe_serialization=True)), then merge the converted copy.',
    })
  }
  throw new CmaamError(`${source} has no safetensors weights`, {
    hint: 'A merge needs model.safetensors, or model.safetensors.index.json with its shards.',
  })
}
