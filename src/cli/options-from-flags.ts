/** Flags that steer the command itself, not the call it makes. */
const COMMAND_FLAGS = new Set(['json', 'quiet', 'debug', 'config'])

/**
 * A command's parsed flags as the options of its API function: `base-alpha` → `baseAlpha`. The
 * values stay as typed; the API's option normalisers check them, for the CLI and library alike.
 */
export function optionsFromFlags<T>(flags: Record<string, unknown>): T {
  const options: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(flags)) {
    if (COMMAND_FLAGS.has(name) || value === undefined) continue
    options[name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())] = value
  }
  return options as T
}
