import {CmaamError} from '../errors'
import type {UnmatchedGroup} from '../models/unmatched-names'
import {formatUnmatched} from '../report/format-unmatched'

/**
 * Why `merge` stops when detection fell back to the generic rules: a wrong component split gives
 * every tensor a wrong α without any error, so guessing is only allowed when asked for.
 */
export function genericFallbackError(options: {model: string; reason: string; unmatched: UnmatchedGroup[]}): CmaamError {
  const count = options.unmatched.reduce((sum, group) => sum + group.count, 0)
  const unmatched = count === 0 ? 'The generic rules matched every name.' : `${count} names matched no generic rule and would count as language: ${formatUnmatched(options.unmatched)}.`
  return new CmaamError(`No adapter recognises ${options.model} (${options.reason}); refusing to merge with guessed components`, {
    hint:
      `${unmatched}\nCheck the split with \`cmaam adapters test generic ${options.model}\`, then write an adapter for this family ` +
      '(docs/adapters.md) and pass it with --adapter FILE, or install an adapter plugin; pass --model-type generic to merge with the generic rules anyway.',
  })
}
