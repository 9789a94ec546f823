// Branches, tags, commit shas and `refs/pr/N`: what git accepts in a ref name, minus the oddities.
const REVISION = /^[A-Za-z0-9_.\-/]+$/

/** Whether `revision` is a usable git revision; it also becomes a path under `refs/` in the cache. */
export function isRevision(revision: string): boolean {
  return (
    REVISION.test(revision) &&
    !revision.startsWith('/') &&
    !revision.endsWith('/') &&
    !revision.endsWith('.lock') &&
    !revision.includes('..') &&
    !revision.includes('//')
  )
}
