import {copyFile, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {CmaamError} from '../../errors'
import {isObject} from '../is-object'
import {parseJson} from '../parse-json'
import {resolveInside} from '../paths/resolve-inside'

export interface CopyModelFilesOptions {
  /** New torch dtype name (e.g. `bfloat16`) to write into config.json when the weights change dtype. */
  dtype?: string
}

/** Files besides the weights that a model folder needs to load; whichever exist are copied. */
export const MODEL_FILES = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'processor_config.json',
  'video_preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'tokenizer.model',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'chat_template.json',
  'chat_template.jinja',
]

/**
 * Copies config, tokenizer, processor and chat-template files as regular files: Hugging Face cache
 * snapshots are symlinks into `blobs/`, and symlinks in an output folder break uploads. A file that
 * links out of `fromDir` (out of its repo's cache folder, for a snapshot) is refused, never copied.
 * Returns the names copied.
 */
export async function copyModelFiles(fromDir: string, toDir: string, options: CopyModelFilesOptions): Promise<string[]> {
  const copied: string[] = []
  for (const name of MODEL_FILES) {
    const from = resolveInside({folder: fromDir, entry: name, kind: 'any', file: fromDir, what: 'model file'})
    const isFile = await stat(from).then(
      (stats) => stats.isFile(),
      () => false,
    )
    if (!isFile) continue
    if (name === 'config.json' && options.dtype !== undefined) {
      await writeFile(join(toDir, name), `${JSON.stringify(withDtype(await readConfig(from), options.dtype), null, 2)}\n`)
    } else {
      await copyFile(from, join(toDir, name))
    }
    copied.push(name)
  }
  return copied
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  let config: unknown
  try {
    config = parseJson(await readFile(path, 'utf8'))
  } catch (error) {
    throw new CmaamError(`Cannot read ${path}: ${(error as Error).message}`, {
      hint: 'config.json must be a valid JSON object: download it again.',
      cause: error,
    })
  }
  if (!isObject(config)) {
    throw new CmaamError(`Invalid ${path}: not a JSON object`, {hint: 'config.json must be a valid JSON object: download it again.'})
  }
  return config
}

/**
 * Sets `torch_dtype` and `dtype` (transformers v5) where they already are, at any depth (text_config,
 * vision_config…); at top level `torch_dtype` is added when neither key exists.
 */
function withDtype(config: Record<string, unknown>, dtype: string): Record<string, unknown> {
  const update = (node: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'torch_dtype' || key === 'dtype') node[key] = dtype
      else if (isObject(value)) update(value)
    }
  }
  update(config)
  if (!('torch_dtype' in config) && !('dtype' in config)) config.torch_dtype = dtype
  return config
}
