import type {UnmatchedGroup} from '../models/unmatched-names'
import {formatUnmatched} from './format-unmatched'

/**
 * The stderr warning of a command whose model no adapter recognised: what the generic rules could
 * not place, and where to go from here.
 */
export function genericFallbackWarning(options: {model: string; reason: string; unmatched: UnmatchedGroup[]}): string {
  const count = options.unmatched.reduce((sum, group) => sum + group.count, 0)
  const lines = [
    `Warning: no adapter recognises ${options.model} (${options.reason}); its tensors were classified by the generic name-based rules, which may split the model wrongly.`,
    count === 0 ? '  Every name matched a generic rule.' : `  ${count} names matched no rule and count as language: ${formatUnmatched(options.unmatched)}`,
    `  Check the split with \`cmaam adapters test generic ${options.model}\`; to add this family, see docs/adapters.md (an --adapter file or a plugin).`,
  ]
  return lines.join('\n')
}
