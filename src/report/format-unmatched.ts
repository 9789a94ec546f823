import type {UnmatchedGroup} from '../models/unmatched-names'

/** `mlp1.* (4), vision_model.head.* (2), … and 3 more prefixes`: unmatched name groups in one line. */
export function formatUnmatched(groups: readonly UnmatchedGroup[], limit = 8): string {
  const shown = groups.slice(0, limit).map((group) => `${group.prefix} (${group.count}${group.matched === 'catch-all' ? ', catch-all' : ''})`)
  const more = groups.length - limit
  return more > 0 ? `${shown.join(', ')}, … and ${more} more prefix${more === 1 ? '' : 'es'}` : shown.join(', ')
}
