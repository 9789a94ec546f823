import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {generatePair} from '../../src/example/generate-pair'
import type {ExampleFamily} from '../../src/example/families'
import {tempDir} from './fixtures'
import type {MockRepoSpec} from './mock-hub'

export interface ExampleRepoOptions {
  family: ExampleFamily
  /** Shard the weights (index + shards) when set. */
  maxShardBytes?: number
  /** Replaces the target's model card. */
  targetCard?: string
}

/**
 * A base and a fine-tune as they would sit on the Hub: the files `cmaam example` writes, plus the
 * files a real repo carries that a merge must not fetch (pickles, training state, docs).
 */
export async function exampleRepos(options: ExampleRepoOptions): Promise<{source: MockRepoSpec; target: MockRepoSpec}> {
  const {dir, remove} = await tempDir('cmaam-example-repo-')
  try {
    const pair = await generatePair({family: options.family, dir, maxShardBytes: options.maxShardBytes})
    const read = async (folder: string): Promise<Record<string, Uint8Array | string>> => {
      const files: Record<string, Uint8Array | string> = {}
      for (const name of (await readdir(folder)).sort()) files[name] = await readFile(join(folder, name))
      files['pytorch_model.bin'] = 'pickle weights: never fetched'
      files['training_args.bin'] = 'pickle: never fetched'
      files['notes.md'] = 'not needed for a merge'
      return files
    }
    const target = await read(pair.target)
    if (options.targetCard !== undefined) target['README.md'] = options.targetCard
    return {source: {files: await read(pair.source)}, target: {files: target}}
  } finally {
    await remove()
  }
}
