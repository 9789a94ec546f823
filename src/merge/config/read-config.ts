import {readFile} from 'node:fs/promises'
import {parse} from 'yaml'
import {parseYaml, type YamlNode} from '../../io/parse-yaml'
import {translateMergekitConfig} from './mergekit-config'
import {readMergeConfig, type MergeConfig} from './read-merge-config'

/**
 * `--config FILE`: a mergekit config (told apart by its `merge_method` key) translated into the
 * flags of the same merge, else a cmaam_config.yaml. Either way, flag name → value.
 */
export async function readConfig(path: string): Promise<MergeConfig> {
  let text: string
  let root: YamlNode
  try {
    text = await readFile(path, 'utf8')
    // The checked reading (no aliases, bounded nesting) first; mergekit's values are then typed by YAML's core schema.
    root = parseYaml(text)
  } catch {
    // Unreadable or not YAML: readMergeConfig says why, with the line at fault.
    return readMergeConfig(path)
  }
  const mergekit = root.kind === 'map' && root.entries.some((entry) => entry.key === 'merge_method')
  return mergekit ? translateMergekitConfig(parse(text) as Record<string, unknown>, path) : readMergeConfig(path)
}
