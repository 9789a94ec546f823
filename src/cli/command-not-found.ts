import type {Hook} from '@oclif/core'

/**
 * oclif's `command_not_found` hook: a mistyped command (`cmaam mrege`) is one line naming it and
 * the closest commands by edit distance (a swap of two neighbouring letters counts as one edit).
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const separator = options.config.topicSeparator
  const shown = (id: string): string => id.replaceAll(':', separator)
  const typed = shown(options.id)
  const ids = options.config.commandIDs.filter((id) => !options.config.findCommand(id)?.hidden)
  const scored = ids.map((id) => ({id: shown(id), distance: editDistance(typed, shown(id))})).sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id))
  const limit = Math.max(2, Math.floor(typed.length / 3))
  const close = scored.filter((s) => s.distance <= limit && s.distance === scored[0].distance).map((s) => `${options.config.bin} ${s.id}`)
  const suggestion = close.length > 0 ? ` Did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : ''
  // The same two lines as every cmaam error: the message, then what to do.
  process.stderr.write(`Error: "${typed}" is not a ${options.config.bin} command.${suggestion}\n\`${options.config.bin} --help\` lists the commands.\n`)
  this.exit(127)
}

export default hook

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}
