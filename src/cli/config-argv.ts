import {readConfig} from '../merge/config/read-config'

/**
 * The flags a `--config` file sets (a cmaam_config.yaml, or a mergekit config translated), as
 * arguments to place before the command line's own: flags typed on the command line win, and oclif
 * checks every value as if typed.
 */
export async function configArgv(path: string, given: ReadonlySet<string>): Promise<string[]> {
  const config = await readConfig(path)
  return Object.entries(config).flatMap(([key, value]) => {
    if (given.has(key)) return []
    if (value === false) return key === 'normalize' ? ['--no-normalize'] : []
    if (value === true) return [`--${key}`]
    return (Array.isArray(value) ? value : [value]).map((item) => `--${key}=${item}`)
  })
}
