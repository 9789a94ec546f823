import {readFile} from 'node:fs/promises'
import {parse} from 'yaml'
import {isMergekitConfig, translateMergekitConfig} from './mergekit-config'
import {readMergeConfig, type MergeConfig} from './read-merge-config'

/**
 * `--config FILE`: a mergekit config (told apart by its `merge_method` key) translated into the
 * flags of the same merge, else a cmaam_config.yaml. Either way, flag name → value.
 */
export async function readConfig(path: string): Promise<MergeConfig> {
  let root: unknown
  try {
    root = parse(await readFile(path, 'utf8'), {maxAliasCount: 100})
  } catch {
    // Unreadable or not YAML: readMergeConfig says why, with the line at fault.
    return readMergeConfig(path)
  }
  return isMergekitConfig(root) ? translateMergekitConfig(root as Record<string, unknown>, path) : readMergeConfig(path)
}
