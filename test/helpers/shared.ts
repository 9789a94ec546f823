import {existsSync} from 'node:fs'
import {join, resolve} from 'node:path'

/**
 * `../shared` (spec, weight maps, bench comparators) exists in development sessions and CI but not in
 * a user's clone. Tests that read it use `describeWithShared`, which skips with a note when it is absent.
 */
export const sharedDir: string | null = (() => {
  const dir = resolve(__dirname, '..', '..', '..', 'shared')
  return existsSync(join(dir, 'fixtures')) ? dir : null
})()

export const describeWithShared: jest.Describe = sharedDir
  ? describe
  : (((name: string) =>
      // One skipped test keeps jest from failing a file whose only suite needs ../shared.
      describe(name, () => {
        it.skip('skipped: ../shared is absent in this checkout', () => {})
      })) as unknown as jest.Describe)
