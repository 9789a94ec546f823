import {formatBytes} from '../../progress/format-bytes'
import type {RemovedStaging} from './remove-stale-staging'

/** One line about what `createStaging` cleaned up after killed runs; null when there was nothing. */
export function describeRemovedStaging(removed: RemovedStaging): string | null {
  const parts: string[] = []
  if (removed.paths.length > 0) {
    const folders = removed.paths.length === 1 ? 'the folder' : `${removed.paths.length} folders`
    parts.push(`removed ${folders} left by an interrupted run (${formatBytes(removed.bytes)} freed): ${removed.paths.join(', ')}`)
  }
  if (removed.restored) parts.push(`moved the previous output back into ${removed.restored}, which an interrupted run had moved aside`)
  return parts.length === 0 ? null : parts.join('; ')
}
